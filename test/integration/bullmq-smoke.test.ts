import { Job, Queue, QueueEvents, Worker } from 'bullmq';
import { testRedisConnection, uniqueName, waitFor } from '../harness/env';

// BullMQ on the real Redis the harness started: the queue retraining triggers go through.
describe('BullMQ on a real Redis', () => {
  // Connection options, not client instances: BullMQ then owns its connections and closes them.
  const connection = testRedisConnection;

  it('processes added jobs and never adds a duplicate job id twice', async () => {
    const name = uniqueName('smoke-queue');
    const queue = new Queue(name, { connection: connection() });
    const completed: string[] = [];
    const worker = new Worker(name, async (job: Job<{ n: number }>) => job.data.n * 2, { connection: connection() });
    worker.on('completed', (job) => completed.push(String(job.id)));
    try {
      for (let n = 0; n < 20; n++) await queue.add('work', { n }, { jobId: `job-${n}` });
      // The same ids again: BullMQ keeps the existing job and adds nothing.
      for (let n = 0; n < 20; n++) await queue.add('work', { n: n + 1000 }, { jobId: `job-${n}` });
      await waitFor(() => completed.length >= 20, 30_000, '20 completed jobs');
      await new Promise((r) => setTimeout(r, 300));

      expect(completed.sort()).toEqual(Array.from({ length: 20 }, (_, n) => `job-${n}`).sort());
      const counts = await queue.getJobCounts('completed', 'waiting', 'active', 'failed');
      expect(counts).toEqual({ completed: 20, waiting: 0, active: 0, failed: 0 });
      const job7 = await queue.getJob('job-7');
      expect(job7?.data).toEqual({ n: 7 });
      expect(job7?.returnvalue).toBe(14);
    } finally {
      await worker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });

  it('re-adding the id of a completed job is still a no-op', async () => {
    const name = uniqueName('smoke-dedupe');
    const queue = new Queue(name, { connection: connection() });
    const events = new QueueEvents(name, { connection: connection() });
    const worker = new Worker(name, async () => 'done', { connection: connection() });
    try {
      await events.waitUntilReady();
      const job = await queue.add('retrain', { model: 'asr-en' }, { jobId: 'incident-1' });
      await job.waitUntilFinished(events, 30_000);
      const again = await queue.add('retrain', { model: 'other' }, { jobId: 'incident-1' });
      expect(again.id).toBe('incident-1');
      expect((await queue.getJob('incident-1'))?.data).toEqual({ model: 'asr-en' });
      expect(await queue.getJobCounts('completed', 'waiting')).toEqual({ completed: 1, waiting: 0 });
    } finally {
      await worker.close();
      await events.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
