/** Where encrypted clips live. One object per clip; keys and metadata carry no personal data. */
export interface ClipStore {
  put(key: string, body: Buffer): Promise<void>;
  get(key: string): Promise<Buffer>;
  getStream(key: string): Promise<NodeJS.ReadableStream>;
  /** null when the object does not exist. */
  head(key: string): Promise<{ size: number } | null>;
  /** Deleting what is already gone succeeds: deletion is retried by jobs. */
  delete(key: string): Promise<void>;
  ping(): Promise<void>;
}
