import fc from 'fast-check';
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  leafHash,
  MemoryTree,
  nodeHash,
  rootFromInclusionProof,
  splitPoint,
  verifyConsistency,
  verifyInclusion,
} from '../../src/crypto/merkle';

const hex = (b: Buffer): string => b.toString('hex');
const unhex = (s: string): Buffer => Buffer.from(s, 'hex');

// transparency-dev/merkle testonly/constants.go and proof/verify_test.go (RFC 6962 vectors).
const INPUTS = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(unhex);
const ROOTS = [
  'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
// Leaf indexes are 0-based here (the Go vectors count from 1).
const INCLUSION: Array<[number, number, string[]]> = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const CONSISTENCY: Array<[number, number, string[]]> = [
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

const vectorTree = new MemoryTree(INPUTS.map(leafHash));

// RFC 9162 §2.1 written as the definitions read, over the leaf list: the reference the
// subtree-based implementation must agree with for every size.
const mth = (d: Buffer[]): Buffer =>
  d.length === 0
    ? EMPTY_ROOT
    : d.length === 1
      ? (d[0] as Buffer)
      : nodeHash(mth(d.slice(0, splitPoint(d.length))), mth(d.slice(splitPoint(d.length))));
const refPath = (m: number, d: Buffer[]): Buffer[] => {
  if (d.length === 1) return [];
  const k = splitPoint(d.length);
  return m < k
    ? [...refPath(m, d.slice(0, k)), mth(d.slice(k))]
    : [...refPath(m - k, d.slice(k)), mth(d.slice(0, k))];
};
const refSubproof = (m: number, d: Buffer[], b: boolean): Buffer[] => {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = splitPoint(d.length);
  return m <= k
    ? [...refSubproof(m, d.slice(0, k), b), mth(d.slice(k))]
    : [...refSubproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
};

const leaves64 = Array.from({ length: 64 }, (_, i) => leafHash(Buffer.from(`event ${i}`)));
const tree64 = new MemoryTree(leaves64);

describe('Merkle tree against the RFC 6962 vectors', () => {
  test('the root of every prefix of the 8 reference inputs is the published one', () => {
    for (let n = 0; n <= 8; n += 1) expect(hex(vectorTree.root(n))).toBe(ROOTS[n]);
  });

  test('inclusion proofs are the published ones and lead to the published roots', () => {
    for (const [index, size, proof] of INCLUSION) {
      expect(inclusionProof(vectorTree, index, size).map(hex)).toEqual(proof);
      const leaf = leafHash(INPUTS[index] as Buffer);
      expect(verifyInclusion(index, size, leaf, proof.map(unhex), unhex(ROOTS[size] as string))).toBe(true);
    }
  });

  test('consistency proofs are the published ones and verify between the published roots', () => {
    for (const [first, second, proof] of CONSISTENCY) {
      expect(consistencyProof(vectorTree, first, second).map(hex)).toEqual(proof);
      const ok = verifyConsistency(
        first,
        second,
        proof.map(unhex),
        unhex(ROOTS[first] as string),
        unhex(ROOTS[second] as string),
      );
      expect(ok).toBe(true);
    }
  });

  test('the corruptions of the Go test suite are all rejected', () => {
    const [index, size, proofHex] = INCLUSION[1] as [number, number, string[]];
    const proof = proofHex.map(unhex);
    const root = unhex(ROOTS[size] as string);
    const leaf = leafHash(INPUTS[index] as Buffer);
    const wrong: Array<[number, number, Buffer, Buffer[], Buffer]> = [
      [index - 1, size, leaf, proof, root],
      [index + 1, size, leaf, proof, root],
      [index ^ 2, size, leaf, proof, root],
      [index, size * 2, leaf, proof, root],
      [index, size / 2, leaf, proof, root],
      [index, size, leafHash(Buffer.from('WrongLeaf')), proof, root],
      [index, size, leaf, proof, EMPTY_ROOT],
      [index, size, leaf, [...proof, Buffer.alloc(0)], root],
      [index, size, leaf, [...proof, root], root],
      [index, size, leaf, [root, ...proof], root],
      [index, size, leaf, proof.slice(0, -1), root],
    ];
    for (const [i, n, l, p, r] of wrong) expect(verifyInclusion(i, n, l, p, r)).toBe(false);
    const [first, second, cHex] = CONSISTENCY[1] as [number, number, string[]];
    const c = cHex.map(unhex);
    const r1 = unhex(ROOTS[first] as string);
    const r2 = unhex(ROOTS[second] as string);
    expect(verifyConsistency(first - 1, second, c, r1, r2)).toBe(false);
    expect(verifyConsistency(first + 1, second, c, r1, r2)).toBe(false);
    expect(verifyConsistency(first, second * 2, c, r1, r2)).toBe(false);
    expect(verifyConsistency(first, second, c, r2, r1)).toBe(false);
    expect(verifyConsistency(first, second, [], r1, r2)).toBe(false);
    expect(verifyConsistency(first, second, [...c, r2], r1, r2)).toBe(false);
    expect(verifyConsistency(first, second, [c[0] as Buffer, ...c], r1, r2)).toBe(false);
    expect(verifyConsistency(first, second, c.slice(0, -1), r1, r2)).toBe(false);
    expect(verifyConsistency(2, 1, [], r1, r2)).toBe(false);
    expect(verifyConsistency(1, 1, [], r1, r2)).toBe(false);
  });
});

describe('Merkle tree for every size up to 64', () => {
  test('roots, inclusion and consistency proofs equal the RFC definitions, and verify', () => {
    for (let n = 1; n <= 64; n += 1) {
      const d = leaves64.slice(0, n);
      const root = tree64.root(n);
      expect(hex(root)).toBe(hex(mth(d)));
      for (let i = 0; i < n; i += 1) {
        const proof = inclusionProof(tree64, i, n);
        expect(proof.map(hex)).toEqual(refPath(i, d).map(hex));
        expect(verifyInclusion(i, n, d[i] as Buffer, proof, root)).toBe(true);
      }
      for (let m = 1; m <= n; m += 1) {
        const proof = consistencyProof(tree64, m, n);
        expect(proof.map(hex)).toEqual(m === n ? [] : refSubproof(m, d, true).map(hex));
        expect(verifyConsistency(m, n, proof, tree64.root(m), root)).toBe(true);
      }
    }
  });

  test('a proof checked against any other leaf, index, size or root fails', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 64 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (n, iSeed, otherSeed, byteSeed, flip) => {
          const i = iSeed % n;
          const proof = inclusionProof(tree64, i, n);
          const root = tree64.root(n);
          const other = otherSeed % n;
          if (other !== i) {
            expect(verifyInclusion(other, n, leaves64[i] as Buffer, proof, root)).toBe(false);
            expect(verifyInclusion(i, n, leaves64[other] as Buffer, proof, root)).toBe(false);
          }
          const m = 1 + (otherSeed % (n - 1));
          expect(verifyInclusion(i, n, leaves64[i] as Buffer, proof, tree64.root(m))).toBe(false);
          if (proof.length > 0) {
            const bent = proof.map((p) => Buffer.from(p));
            const at = byteSeed % bent.length;
            const node = bent[at] as Buffer;
            node.writeUInt8((node.readUInt8(byteSeed % 32) ^ flip) & 0xff, byteSeed % 32);
            expect(verifyInclusion(i, n, leaves64[i] as Buffer, bent, root)).toBe(false);
          }
        },
      ),
    );
  });

  test('a consistency proof does not hold for a tree with one leaf changed', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 64 }), fc.nat(), fc.nat(), (n, mSeed, changeSeed) => {
        const m = 1 + (mSeed % (n - 1));
        const changed = changeSeed % n;
        const forked = new MemoryTree(
          leaves64.slice(0, n).map((l, j) => (j === changed ? leafHash(Buffer.from('forged')) : l)),
        );
        const proof = consistencyProof(forked, m, n);
        // The forked log cannot prove it extends the honest tree of size m, unless the change is past m
        // (then it is a different but consistent future, as it should be).
        expect(verifyConsistency(m, n, proof, tree64.root(m), forked.root(n))).toBe(changed >= m);
      }),
    );
  });

  test('an index outside the tree has no proof and no root', () => {
    expect(() => inclusionProof(tree64, 5, 5)).toThrow(RangeError);
    expect(() => consistencyProof(tree64, 6, 5)).toThrow(RangeError);
    expect(rootFromInclusionProof(0, 0, leaves64[0] as Buffer, [])).toBeNull();
  });
});
