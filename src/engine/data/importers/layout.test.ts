import { describe, expect, it } from 'vitest';
import { LayoutError, normalisePath, planImport, SplitKeeper, unsafePathProblem } from './layout';
import { Rng } from '../../runtime/random';

const plan = (paths: string[], testShare = 0, seed = 1) =>
  planImport(
    paths.map((path) => ({ path, item: path })),
    testShare,
    seed,
  );
const labelsOf = (p: ReturnType<typeof plan>) =>
  Object.fromEntries(p.images.map((im) => [im.path, im.label === null ? null : p.classNames![im.label]]));

describe('planImport label rules', () => {
  it('images all at the top level: unlabelled', () => {
    const p = plan(['a.png', 'b.jpg', 'c.webp']);
    expect(p.classNames).toBeNull();
    expect(p.images.map((i) => i.label)).toEqual([null, null, null]);
    expect(p.images.every((i) => i.split === 'train')).toBe(true);
  });

  it('class sub-folders become labels, sorted with numbers in numeric order', () => {
    const p = plan(['10/a.png', '2/b.png', 'cat/c.png', '2/d.png', '10/e.png', 'cat/f.png']);
    expect(p.classNames).toEqual(['2', '10', 'cat']);
    expect(labelsOf(p)).toEqual({
      '10/a.png': '10',
      '2/b.png': '2',
      'cat/c.png': 'cat',
      '2/d.png': '2',
      '10/e.png': '10',
      'cat/f.png': 'cat',
    });
  });

  it('strips common top folders (repeatedly), so a lone folder of images is unlabelled', () => {
    const p = plan(['myset/train/cats/1.png', 'myset/train/dogs/2.png', 'myset/train/dogs/3.png']);
    expect(p.topFolder).toBe('myset/train');
    expect(p.classNames).toEqual(['cats', 'dogs']);
    const lone = plan(['holiday/1.png', 'holiday/2.png']);
    expect(lone.topFolder).toBe('holiday');
    expect(lone.classNames).toBeNull();
  });

  it('nested folders: the folder directly holding the image is its class; same names in different places stay apart', () => {
    const p = plan(['cats/indoor/1.png', 'cats/outdoor/2.png', 'dogs/indoor/3.png', 'birds/4.png']);
    expect(p.classNames).toEqual(['birds', 'cats/indoor', 'dogs/indoor', 'outdoor']);
    expect(labelsOf(p)['cats/outdoor/2.png']).toBe('outdoor');
    expect(p.warnings.join(' ')).toMatch(/nested folders/);
  });

  it('images beside class folders are skipped with a reason; one class folder means unlabelled', () => {
    const p = plan(['cats/1.png', 'dogs/2.png', 'stray.png']);
    expect(p.images.map((i) => i.path)).toEqual(['cats/1.png', 'dogs/2.png']);
    expect(p.skipped).toEqual([
      { file: 'stray.png', reason: expect.stringMatching(/outside the class folders/) },
    ]);
    const one = plan(['set/cats/1.png', 'set/top.png']);
    expect(one.classNames).toBeNull();
    expect(one.images).toHaveLength(2);
    expect(one.warnings.join(' ')).toMatch(/Only one class folder \('cats'\)/);
  });

  it('duplicate paths, non-image names, hidden and __MACOSX files', () => {
    const p = plan([
      'a/1.png',
      'b/1.png', // same name, other folder: fine
      'a\\1.png', // the same path with a backslash: duplicate
      'a/notes.txt',
      'b/README',
      'a/.DS_Store',
      '__MACOSX/a/._1.png',
      'b/2.PNG',
    ]);
    expect(p.images.map((i) => i.path)).toEqual(['a/1.png', 'b/1.png', 'b/2.PNG']);
    expect(p.skipped).toEqual([
      { file: 'a\\1.png', reason: 'is a duplicate: an earlier file has the same path' },
      { file: 'a/notes.txt', reason: expect.stringMatching(/^is not an image file \(\.txt\)/) },
      { file: 'b/README', reason: expect.stringMatching(/^is not an image file:/) },
    ]);
    expect(p.warnings).toContain("Ignored 2 hidden or system files (names starting with '.', __MACOSX/).");
  });

  it('refused files do not shape the classes', () => {
    const p = planImport(
      ['cats/1.png', 'dogs/2.png', 'dogs/empty.png'].map((path) => ({ path, item: path })),
      0,
      1,
      (path) => (path.includes('empty') ? 'is empty (0 bytes)' : null),
    );
    expect(p.skipped).toEqual([{ file: 'dogs/empty.png', reason: 'is empty (0 bytes)' }]);
    expect(p.candidates).toBe(3);
  });

  it('refuses more than 256 classes', () => {
    const paths = Array.from({ length: 257 }, (_, i) => `c${i}/x.png`);
    expect(() => plan(paths)).toThrow(LayoutError);
  });

  it('normalises paths', () => {
    expect(normalisePath('./a//b\\c.png')).toBe('a/b/c.png');
    expect(normalisePath('/x.png')).toBe('x.png');
  });
});

describe('planImport test split', () => {
  const many = [
    ...Array.from({ length: 12 }, (_, i) => `cats/${i}.png`),
    ...Array.from({ length: 6 }, (_, i) => `dogs/${i}.png`),
    'fish/only.png',
  ];

  it('holds out round(n × share) of each class, seeded and reproducible; a single-image class warns and stays in train', () => {
    const p = plan(many, 1 / 6, 7);
    const test = p.images.filter((i) => i.split === 'test').map((i) => i.path);
    expect(test.filter((t) => t.startsWith('cats/'))).toHaveLength(2);
    expect(test.filter((t) => t.startsWith('dogs/'))).toHaveLength(1);
    expect(p.images.find((i) => i.path === 'fish/only.png')!.split).toBe('train');
    expect(p.warnings).toContain(
      "The class folder 'fish' holds a single image: it cannot be split into train and test, so it stays in train.",
    );
    // Same files in another order, same seed: same split.
    const again = plan([...many].reverse(), 1 / 6, 7);
    expect(
      again.images
        .filter((i) => i.split === 'test')
        .map((i) => i.path)
        .sort(),
    ).toEqual([...test].sort());
    const other = plan(many, 1 / 6, 8);
    expect(
      other.images
        .filter((i) => i.split === 'test')
        .map((i) => i.path)
        .sort(),
    ).not.toEqual([...test].sort());
  });

  it('a class of two gives one test image; share 0 or unlabelled sets keep everything in train', () => {
    expect(
      plan(['a/1.png', 'a/2.png', 'b/1.png', 'b/2.png'], 0.1).images.filter((i) => i.split === 'test'),
    ).toHaveLength(2);
    expect(plan(many, 0).images.every((i) => i.split === 'train')).toBe(true);
    expect(plan(['1.png', '2.png', '3.png'], 0.5).images.every((i) => i.split === 'train')).toBe(true);
  });
});

describe('unsafe paths', () => {
  it("'..' segments and absolute paths are unsafe; dots inside names are not", () => {
    expect(unsafePathProblem('a/../../escape.png')).toMatch(/^has an unsafe path: its '\.\.'/);
    expect(unsafePathProblem('..\\up.png')).toMatch(/unsafe/);
    expect(unsafePathProblem('/etc/x.png')).toMatch(/absolute/);
    expect(unsafePathProblem('C:\\x.png')).toMatch(/absolute/);
    expect(unsafePathProblem('a/..b/x..png')).toBeNull();
    expect(unsafePathProblem('./a/x.png')).toBeNull();
    const p = plan(['cats/1.png', 'cats/3.png', 'dogs/2.png', 'dogs/4.png', 'cats/../../../x.png']);
    expect(p.skipped).toEqual([
      { file: 'cats/../../../x.png', reason: expect.stringMatching(/^has an unsafe path/) },
    ]);
    expect(p.warnings).toEqual([]);
  });
});

describe('SplitKeeper', () => {
  it('every prefix holds floor..ceil of k·t/n test images per class, and the whole run exactly the plan', () => {
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const rng = new Rng(seed);
      const paths = [
        ...Array.from({ length: 40 }, (_, i) => `a/${i}.png`),
        ...Array.from({ length: 27 }, (_, i) => `b/${i}.png`),
      ];
      const p = plan(paths, 0.15, seed);
      const keeper = new SplitKeeper(p.images, 2);
      const order = rng.permutation(p.images.length);
      const planned = [0, 1].map((c) => p.images.filter((im) => im.label === c));
      const tests = [0, 0];
      const seen = [0, 0];
      for (const i of order) {
        const im = p.images[i]!;
        const c = im.label!;
        seen[c]!++;
        if (keeper.assign(c, im.split) === 'test') tests[c]!++;
        const n = planned[c]!.length;
        const t = planned[c]!.filter((x) => x.split === 'test').length;
        expect(tests[c]).toBeGreaterThanOrEqual(Math.floor((seen[c]! * t) / n));
        expect(tests[c]).toBeLessThanOrEqual(Math.ceil((seen[c]! * t) / n));
      }
      expect(tests).toEqual([6, 4]); // round(40 × 0.15), round(27 × 0.15)
    }
  });

  it('keeps the planned split whenever the bounds allow, and leaves unlabelled images alone', () => {
    const images = [
      { label: 0, split: 'train' as const },
      { label: 0, split: 'test' as const },
    ];
    const keeper = new SplitKeeper(images, 1);
    // The test image first: 1 of 2 after one image is within [0, 1], so it stays test.
    expect(keeper.assign(0, 'test')).toBe('test');
    expect(keeper.assign(0, 'train')).toBe('train');
    expect(new SplitKeeper([], 0).assign(null, 'train')).toBe('train');
  });
});
