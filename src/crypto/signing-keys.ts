import crypto from 'node:crypto';

/**
 * One Ed25519 key per use, so a key that signs one kind of statement can never be made to vouch
 * for another (a consent token cannot pass for a checkpoint), and each can be rotated on its own.
 * A rotated key stays published: what it signed stays verifiable.
 */
export const SIGNING_USES = ['consent-token', 'export', 'certificate', 'checkpoint'] as const;
export type SigningUse = (typeof SIGNING_USES)[number];

const DESCRIPTION: Record<SigningUse, string> = {
  'consent-token': 'consent tokens (JWS handed to the assistant or agent)',
  export: 'evidence exports (signature.json)',
  certificate: 'deletion certificates',
  checkpoint: 'ledger checkpoints (C2SP signed-note)',
};

export interface SigningKey {
  use: SigningUse;
  /** `<use>-<generation>`: names the key in what it signs, if the format has room for it. */
  keyId: string;
  privateKey: crypto.KeyObject;
  publicKey: crypto.KeyObject;
  publicKeyPem: string;
}

export interface PublishedKey {
  use: SigningUse | 'legacy';
  keyId: string;
  /** The newest key of its use signs; older ones only verify. */
  active: boolean;
  publicKeyPem: string;
  description: string;
}

/** Where the keys are kept (the ledger's sealed secrets); see LedgerSecrets. */
export interface SigningKeyStore {
  read(name: string): { value: Buffer; public: string | null } | null;
  add(name: string, made: { value: Buffer; public?: string }): boolean;
  names(prefix: string): string[];
}

/** The one key that signed consent tokens and exports before keys were separated per use. */
export const LEGACY_SIGNING_SECRET = 'consent_signing_ed25519';

const prefixOf = (use: SigningUse): string => `signing/${use}/`;
const nameOf = (use: SigningUse, generation: number): string =>
  `${prefixOf(use)}${String(generation).padStart(6, '0')}`;
const generationOf = (name: string): number => Number(name.slice(name.lastIndexOf('/') + 1));

function newPair(): { value: Buffer; public: string } {
  const pair = crypto.generateKeyPairSync('ed25519');
  return {
    value: pair.privateKey.export({ format: 'der', type: 'pkcs8' }),
    public: pair.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/**
 * How long an instance signs with the key it loaded before it looks for a newer generation: a
 * rotation on one instance (or by `consent keys rotate-signing`) reaches every other within this.
 */
export const SIGNING_KEY_RECHECK_MS = 30_000;

export class SigningKeys {
  private readonly cache = new Map<SigningUse, { key: SigningKey; name: string; checkedAt: number }>();

  constructor(
    private readonly store: SigningKeyStore,
    private readonly now: () => number = Date.now,
  ) {}

  /** The key that signs for `use` now; made on first use. */
  signingKey(use: SigningUse): SigningKey {
    const cached = this.cache.get(use);
    const at = this.now();
    if (cached && at - cached.checkedAt < SIGNING_KEY_RECHECK_MS) return cached.key;
    let names = this.store.names(prefixOf(use));
    if (names.length === 0) {
      this.store.add(nameOf(use, 1), newPair());
      names = this.store.names(prefixOf(use));
    }
    const name = names[names.length - 1] as string;
    const key = cached?.name === name ? cached.key : this.load(use, name);
    this.cache.set(use, { key, name, checkedAt: at });
    return key;
  }

  /** Starts a new generation for `use`; the previous key stays published for verification. */
  rotate(use: SigningUse): SigningKey {
    const names = this.store.names(prefixOf(use));
    const next = names.length === 0 ? 1 : generationOf(names[names.length - 1] as string) + 1;
    this.store.add(nameOf(use, next), newPair());
    this.cache.delete(use);
    return this.signingKey(use);
  }

  /** Every public key that verifies something this service signed, newest first within a use. */
  publicKeys(): PublishedKey[] {
    const out: PublishedKey[] = [];
    for (const use of SIGNING_USES) {
      this.signingKey(use);
      const names = this.store.names(prefixOf(use)).reverse();
      names.forEach((name, i) => {
        const row = this.store.read(name);
        if (!row?.public) return;
        out.push({
          use,
          keyId: `${use}-${generationOf(name)}`,
          active: i === 0,
          publicKeyPem: row.public,
          description: DESCRIPTION[use],
        });
      });
    }
    const legacy = this.store.read(LEGACY_SIGNING_SECRET);
    if (legacy?.public)
      out.push({
        use: 'legacy',
        keyId: 'legacy',
        active: false,
        publicKeyPem: legacy.public,
        description: 'consent tokens and evidence exports signed before keys were separated per use',
      });
    return out;
  }

  /** After a rolled-back transaction a key cached as stored may not be. */
  forget(): void {
    this.cache.clear();
  }

  private load(use: SigningUse, name: string): SigningKey {
    const row = this.store.read(name);
    if (!row) throw new Error(`signing key ${name} vanished`);
    const privateKey = crypto.createPrivateKey({ key: row.value, format: 'der', type: 'pkcs8' });
    const publicKey = crypto.createPublicKey(privateKey);
    return {
      use,
      keyId: `${use}-${generationOf(name)}`,
      privateKey,
      publicKey,
      publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    };
  }
}

/**
 * What `consent keys public` prints: each PEM block preceded by a `#` line naming its use, its key
 * id and whether it still signs.
 */
export function formatPublicKeys(keys: PublishedKey[]): string {
  return keys
    .map(
      (k) =>
        `# ${k.use} (key ${k.keyId}, ${k.active ? 'active' : 'retired: verifies only'}): ${k.description}\n${k.publicKeyPem.trimEnd()}\n`,
    )
    .join('');
}
