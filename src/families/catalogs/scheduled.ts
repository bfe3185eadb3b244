import type { Clock } from '../../kernel/clock.js';

/**
 * The clock tasks one process holds for rows of the store, by key: scheduling a
 * key again replaces its task, and `clear` drops them all (on start, and when the
 * store changed under them: a reset or a restore brings its own rows).
 */
export class ScheduledWork {
  private readonly tasks = new Map<string, () => void>();

  constructor(private readonly clock: Clock) {}

  schedule(key: string, at: number, name: string, run: () => Promise<void>): void {
    this.tasks.get(key)?.();
    this.tasks.set(
      key,
      this.clock.schedule(at, name, async () => {
        this.tasks.delete(key);
        await run();
      }),
    );
  }

  clear(): void {
    for (const cancel of this.tasks.values()) cancel();
    this.tasks.clear();
  }
}
