import type { Express } from 'express';

export interface CheckpointSource {
  /** The latest signed checkpoint note of the current epoch, or null before the first one. */
  latestNote(): string | null;
}

/** `GET /ledger/checkpoint`: public, the signed note exactly as it was written to the bucket. */
export function mountLedgerRoutes(app: Express, checkpoints: CheckpointSource): void {
  app.get('/ledger/checkpoint', (_req, res) => {
    const note = checkpoints.latestNote();
    res.set('cache-control', 'no-store');
    if (!note) {
      res.status(503).type('text/plain').send('no checkpoint signed yet; try again within a minute\n');
      return;
    }
    res.status(200).type('text/plain; charset=utf-8').send(note);
  });
}
