import { open, readFile, rm } from 'node:fs/promises';

/**
 * PGlite keeps no lock on its data folder, and two processes writing one folder corrupt it. So
 * the embedded store takes `<folder>.lock` (holding its pid) for as long as it is open; a lock
 * whose process is gone is taken over.
 */
export async function lockDataFolder(folder: string): Promise<() => Promise<void>> {
  const lockPath = `${folder}.lock`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return async function unlock() {
        await rm(lockPath, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number.parseInt(await readFile(lockPath, 'utf8').catch(() => ''), 10);
      if (holder === process.pid)
        throw new Error(`the data folder ${folder} is already open in this process`);
      if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
        throw new Error(
          `the data folder ${folder} is in use by process ${holder}; an embedded store serves one process ` +
            `(use kind: postgres for several, or remove ${lockPath} if that process is not switchyard)`,
        );
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock the data folder ${folder}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
