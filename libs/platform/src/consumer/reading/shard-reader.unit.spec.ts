import { finishedPrefix } from './shard-reader';

describe('finishedPrefix', () => {
  it('checkpoints up to the last record before the first unfinished one', () => {
    expect(finishedPrefix([0, 1, 1, 2], [true, true, false, true], 3)).toBe(0);
    expect(finishedPrefix([0, 1, 2], [true, true, true], 3)).toBe(2);
    expect(finishedPrefix([0, 1], [false, true], 2)).toBe(-1);
  });
});
