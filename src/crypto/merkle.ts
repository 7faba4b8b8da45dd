import crypto from 'node:crypto';

/**
 * RFC 9162 (RFC 6962) Merkle tree hashing, inclusion and consistency proofs.
 *
 * Proofs are computed from complete ("perfect") subtrees only: a subtree of 2^level leaves starting
 * at leaf index·2^level. A log that stores each perfect subtree's hash once, when its last leaf is
 * appended, answers any root or proof in O(log n) reads (see src/ledger/merkle-log.ts).
 * Sizes and indexes are plain numbers (exact up to 2^53); no 32-bit bit operations are used.
 */

export const HASH_BYTES = 32;

// One-shot hashing (no Hash object per call): the log hashes every event twice on the writer thread.
const sha256 = (...parts: Uint8Array[]): Buffer =>
  crypto.hash('sha256', parts.length === 1 ? (parts[0] as Uint8Array) : Buffer.concat(parts), 'buffer');

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

/** MTH({}) = SHA-256(""). */
export const EMPTY_ROOT: Buffer = sha256();

/** MTH({d}) = SHA-256(0x00 ‖ d). */
export function leafHash(entry: Uint8Array): Buffer {
  return sha256(LEAF_PREFIX, entry);
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return sha256(NODE_PREFIX, left, right);
}

/** The largest power of two strictly below n (n ≥ 2): RFC 9162's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Where a tree's perfect subtree hashes come from: the log's table, or memory. */
export interface SubtreeSource {
  /** The hash of leaves [index·2^level, (index+1)·2^level). */
  perfect(level: number, index: number): Buffer;
}

/**
 * MTH(D[start:end]) for the ranges RFC 9162's recursion visits: start is a multiple of the largest
 * power of two not above end-start, so the range is its perfect subtrees, largest first, folded
 * from the right (which is exactly how MTH splits it).
 */
export function rangeHash(src: SubtreeSource, start: number, end: number): Buffer {
  if (end <= start) return EMPTY_ROOT;
  const parts: Buffer[] = [];
  let pos = start;
  let remaining = end - start;
  let size = 1;
  let level = 0;
  while (size * 2 <= remaining) {
    size *= 2;
    level += 1;
  }
  for (; level >= 0; level -= 1, size /= 2) {
    if (remaining < size) continue;
    if (pos % size !== 0) throw new Error(`range [${start}, ${end}) is not aligned to its subtrees`);
    parts.push(src.perfect(level, pos / size));
    pos += size;
    remaining -= size;
  }
  let hash = parts[parts.length - 1] as Buffer;
  for (let i = parts.length - 2; i >= 0; i -= 1) hash = nodeHash(parts[i] as Buffer, hash);
  return hash;
}

/** The root of the tree of the first `size` leaves. */
export function rootAt(src: SubtreeSource, size: number): Buffer {
  return rangeHash(src, 0, size);
}

/** PATH(index, D[size]): the audit path of one leaf, leaf side first. */
export function inclusionProof(src: SubtreeSource, index: number, size: number): Buffer[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    throw new RangeError(`no leaf ${index} in a tree of ${size}`);
  const path = (lo: number, hi: number): Buffer[] => {
    if (hi - lo === 1) return [];
    const k = splitPoint(hi - lo);
    return index < lo + k
      ? [...path(lo, lo + k), rangeHash(src, lo + k, hi)]
      : [...path(lo + k, hi), rangeHash(src, lo, lo + k)];
  };
  return path(0, size);
}

/** PROOF(first, D[second]): that the tree of `first` leaves is a prefix of the tree of `second`. */
export function consistencyProof(src: SubtreeSource, first: number, second: number): Buffer[] {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    throw new RangeError(`no consistency proof from ${first} to ${second}`);
  if (first === 0 || first === second) return [];
  const sub = (m: number, lo: number, hi: number, whole: boolean): Buffer[] => {
    if (m === hi - lo) return whole ? [] : [rangeHash(src, lo, hi)];
    const k = splitPoint(hi - lo);
    return m <= k
      ? [...sub(m, lo, lo + k, whole), rangeHash(src, lo + k, hi)]
      : [...sub(m - k, lo + k, hi, false), rangeHash(src, lo, lo + k)];
  };
  return sub(first, 0, second, true);
}

const isHash = (b: Uint8Array): boolean => b.length === HASH_BYTES;
const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && crypto.timingSafeEqual(a, b);
const half = (n: number): number => Math.floor(n / 2);
const odd = (n: number): boolean => n % 2 === 1;
const isPowerOfTwo = (n: number): boolean => {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
};

/** The root an audit path leads to (RFC 9162 §2.1.3.2), or null when the path cannot be one. */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
): Buffer | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return null;
  if (!isHash(leaf) || !proof.every(isHash)) return null;
  let fn = index;
  let sn = size - 1;
  let r: Buffer = Buffer.from(leaf);
  for (const p of proof) {
    if (sn === 0) return null;
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else r = nodeHash(r, p);
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(
  index: number,
  size: number,
  leaf: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): boolean {
  const got = rootFromInclusionProof(index, size, leaf, proof);
  return got !== null && isHash(root) && equal(got, root);
}

/** RFC 9162 §2.1.4.2: the tree with root `firstRoot` is a prefix of the one with `secondRoot`. */
export function verifyConsistency(
  first: number,
  second: number,
  proof: readonly Uint8Array[],
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    return false;
  if (!proof.every(isHash)) return false;
  if (first === second) return proof.length === 0 && equal(firstRoot, secondRoot);
  // Every tree extends the empty one; there is nothing to prove.
  if (first === 0) return proof.length === 0;
  if (proof.length === 0 || !isHash(firstRoot) || !isHash(secondRoot)) return false;
  let path: readonly Uint8Array[] = proof;
  // A first tree that is one perfect subtree is its own first proof node.
  if (isPowerOfTwo(first)) path = [firstRoot, ...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr: Buffer = Buffer.from(path[0] as Uint8Array);
  let sr: Buffer = Buffer.from(fr);
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (!odd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else sr = nodeHash(sr, c);
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equal(fr, firstRoot) && equal(sr, secondRoot);
}

/** Every perfect subtree of a list of leaf hashes, level by level: for verifying a whole log at once. */
export class MemoryTree implements SubtreeSource {
  private readonly levels: Buffer[][];

  constructor(leaves: readonly Buffer[] = []) {
    this.levels = [[]];
    for (const leaf of leaves) this.push(leaf);
  }

  get size(): number {
    return (this.levels[0] as Buffer[]).length;
  }

  /** Appends one leaf hash and every perfect subtree it completes. */
  push(leaf: Buffer): void {
    let level = 0;
    let hash = leaf;
    for (;;) {
      const row = (this.levels[level] ??= []);
      row.push(hash);
      const index = row.length - 1;
      if (!odd(index)) return;
      hash = nodeHash(row[index - 1] as Buffer, hash);
      level += 1;
    }
  }

  perfect(level: number, index: number): Buffer {
    const hash = this.levels[level]?.[index];
    if (!hash) throw new RangeError(`no complete subtree ${level}/${index} in a tree of ${this.size}`);
    return hash;
  }

  root(size = this.size): Buffer {
    if (size > this.size) throw new RangeError(`the tree has ${this.size} leaves, not ${size}`);
    return rootAt(this, size);
  }
}
