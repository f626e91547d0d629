import { Backoff } from '../../src/kafka/backoff';

describe('Backoff', () => {
  it('doubles its wait after each retry up to the cap', async () => {
    const b = new Backoff(1, 4);
    const seen: number[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push(b.nextMs);
      await b.wait();
    }
    expect(seen).toEqual([1, 2, 4, 4]);
    expect(new Backoff(200).nextMs).toBe(200);
  });
});
