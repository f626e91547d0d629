import fc from 'fast-check';
import { planCoPartitioned } from '../../src/kafka/co-partition-assigner';

const topics = ['in', 'out', 'fb'];
const counts = (p: number): Record<string, number> => Object.fromEntries(topics.map((t) => [t, p]));

describe('planCoPartitioned', () => {
  it('gives partition p of every topic to the same member, each index to exactly one member', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 64 }), fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 9 }), (p, members) => {
        const plan = planCoPartitioned(members, counts(p));
        expect(plan.coPartitioned).toBe(true);
        const owner = new Map<number, string>();
        for (const [member, assignment] of plan.assignment) {
          const sets = topics.map((t) => assignment[t] ?? []);
          // Same partition set on the three topics.
          for (const s of sets) expect(s).toEqual(sets[0]);
          for (const partition of sets[0]!) {
            expect(owner.has(partition)).toBe(false);
            owner.set(partition, member);
          }
        }
        expect([...owner.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: p }, (_, i) => i));
        // Even split: sizes differ by at most one.
        const sizes = [...plan.assignment.values()].map((a) => (a.in ?? []).length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('does not depend on the order the members are listed in', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 32 }), fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 6 }), (p, members) => {
        const a = planCoPartitioned(members, counts(p));
        const b = planCoPartitioned([...members].reverse(), counts(p));
        expect(Object.fromEntries(a.assignment)).toEqual(Object.fromEntries(b.assignment));
      }),
    );
  });

  it('splits 6 partitions over 2 members as contiguous ranges in member-id order', () => {
    const plan = planCoPartitioned(['m-b', 'm-a'], counts(6));
    expect(plan.assignment.get('m-a')).toEqual({ fb: [0, 1, 2], in: [0, 1, 2], out: [0, 1, 2] });
    expect(plan.assignment.get('m-b')).toEqual({ fb: [3, 4, 5], in: [3, 4, 5], out: [3, 4, 5] });
  });

  it('more members than partitions: the extra members get nothing', () => {
    const plan = planCoPartitioned(['c', 'a', 'b'], counts(2));
    expect(plan.assignment.get('a')).toEqual({ fb: [0], in: [0], out: [0] });
    expect(plan.assignment.get('b')).toEqual({ fb: [1], in: [1], out: [1] });
    expect(plan.assignment.get('c')).toEqual({});
  });

  it('flags different partition counts and still assigns every existing partition exactly once', () => {
    const partitionCounts = { in: 4, out: 6, fb: 4 };
    const plan = planCoPartitioned(['x', 'y'], partitionCounts);
    expect(plan.coPartitioned).toBe(false);
    for (const [topic, count] of Object.entries(partitionCounts)) {
      const all = [...plan.assignment.values()].flatMap((a) => a[topic] ?? []).sort((a, b) => a - b);
      expect(all).toEqual(Array.from({ length: count }, (_, i) => i));
    }
    expect(planCoPartitioned(['y', 'x'], partitionCounts)).toEqual(plan);
  });
});
