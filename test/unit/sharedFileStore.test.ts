// The file every window shares, changed under a lock file: real files, and real concurrency from
// worker threads (exclusive create is the kernel's, whichever thread or process asks).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { FileSharedStore } from '../../src/platform/sharedFileStore';

const increment = (store: FileSharedStore) =>
  store.update((document) => ({
    document: { count: ((document as { count?: number } | undefined)?.count ?? 0) + 1 },
    result: undefined,
  }));

if (!isMainThread) {
  const { file, times } = workerData as { file: string; times: number };
  const store = new FileSharedStore(file);
  void (async () => {
    for (let i = 0; i < times; i++) await increment(store);
    parentPort!.postMessage('done');
  })();
} else {
  describe('shared file store', () => {
    let folder: string;
    beforeEach(async () => (folder = await mkdtemp(join(tmpdir(), 'switchboard-shared-'))));
    afterEach(() => rm(folder, { recursive: true, force: true }));

    it('loses no change when three threads and this one change it at once', async function () {
      this.timeout(30_000);
      const file = join(folder, 'shared.json');
      const workers = Array.from({ length: 3 }, () => new Worker(__filename, { workerData: { file, times: 50 } }));
      const finished = workers.map(
        (worker) => new Promise((resolve, reject) => (worker.once('message', resolve), worker.once('error', reject))),
      );
      const mine = new FileSharedStore(file);
      await Promise.all([...Array.from({ length: 50 }, () => increment(mine)), ...finished]);
      await Promise.all(workers.map((worker) => worker.terminate()));
      assert.deepEqual(await mine.read(), { count: 200 });
      assert.deepEqual((await readdir(folder)).sort(), ['shared.json'], 'no lock or temporary file left');
    });

    it('waits for a lock another live window holds, and breaks one left by a window that died', async () => {
      const file = join(folder, 'shared.json');
      const store = new FileSharedStore(file);
      // Held by a live process (this one), just now: the change waits for it.
      await writeFile(`${file}.lock`, `${process.pid} someone-else`);
      let done = false;
      const change = increment(store).then(() => (done = true));
      await new Promise((resolve) => setTimeout(resolve, 150));
      assert.equal(done, false, 'waited');
      await rm(`${file}.lock`);
      await change;
      assert.deepEqual(await store.read(), { count: 1 });
      // Left by a window that died holding it 20 seconds ago: broken, not waited for.
      await writeFile(`${file}.lock`, `${process.pid} crashed`);
      const old = new Date(Date.now() - 20_000);
      await utimes(`${file}.lock`, old, old);
      const started = Date.now();
      await increment(store);
      assert.ok(Date.now() - started < 2_000, `took ${Date.now() - started} ms`);
      assert.deepEqual(await store.read(), { count: 2 });
    });

    it('breaks a lock of a process gone from this machine after a second, but not one held on another machine', async () => {
      const file = join(folder, 'shared.json');
      const store = new FileSharedStore(file);
      const gone = spawnSync(process.execPath, ['-e', '0']).pid;
      const twoSecondsAgo = new Date(Date.now() - 2_000);
      await writeFile(`${file}.lock`, `${gone} ${hostname()} crashed`);
      await utimes(`${file}.lock`, twoSecondsAgo, twoSecondsAgo);
      await increment(store);
      assert.deepEqual(await store.read(), { count: 1 });
      // The same process id on another machine sharing this folder says nothing: waited for.
      await writeFile(`${file}.lock`, `${gone} another-machine holder`);
      await utimes(`${file}.lock`, twoSecondsAgo, twoSecondsAgo);
      let done = false;
      const change = increment(store).then(() => (done = true));
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(done, false);
      await rm(`${file}.lock`);
      await change;
      assert.deepEqual(await store.read(), { count: 2 });
    });

    it('keeps a damaged file aside and starts again', async () => {
      const file = join(folder, 'shared.json');
      await writeFile(file, '{"count": 4');
      const kept: string[] = [];
      const store = new FileSharedStore(file, (keptAs) => kept.push(keptAs));
      assert.equal(await store.read(), undefined);
      await increment(store);
      assert.deepEqual(await store.read(), { count: 1 });
      assert.equal(kept.length, 1);
      assert.equal(await readFile(kept[0]!, 'utf8'), '{"count": 4');
    });

    it('a change that throws writes nothing', async () => {
      const file = join(folder, 'shared.json');
      const store = new FileSharedStore(file);
      await increment(store);
      await assert.rejects(
        store.update(() => {
          throw new Error('no');
        }),
        /no/,
      );
      assert.deepEqual(await store.read(), { count: 1 });
      await increment(store);
      assert.deepEqual(await store.read(), { count: 2 }, 'and the lock was let go');
      assert.deepEqual(await readdir(folder), ['shared.json'], 'no temporary file left');
    });
  });
}
