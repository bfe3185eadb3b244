import { parseDuration, parseInstant } from './duration.js';

/** Where a clock stands: an offset from real time, or a fixed instant. */
export interface ClockPosition {
  offsetMs: number;
  frozenAt: number | null;
}

/** Work registered to run once the clock reaches `at`. */
export interface DueTask {
  at: number;
  name: string;
  run: (dueAt: number) => void | Promise<void>;
}

/**
 * The one clock every time-dependent part of pinbox reads. Domain code never calls
 * `Date.now()`; it asks the clock, so tests and the control plane can move time.
 *
 * It also keeps due tasks: work a family registers with `schedule(at, ...)` runs
 * once the clock reaches `at`, in order of `at` (then of scheduling). Moving the
 * clock (advance, set) runs what became due; while the clock runs on its own, a
 * timer runs tasks as real time reaches them. The clock already reads the new
 * time when tasks run; each is told the instant it was due.
 * @example
 * const clock = new Clock();
 * clock.freeze();
 * await clock.advance('2d'); // two days later, instantly; tasks due meanwhile have run
 */
export class Clock {
  /** Offset added to real time while running. */
  private offsetMs = 0;
  /** When frozen, the fixed instant returned by now(). */
  private frozenAt: number | null = null;
  private tasks: (DueTask & { seq: number })[] = [];
  private nextSeq = 0;
  private timer: NodeJS.Timeout | null = null;
  /** The run of due tasks in progress; runs never overlap. */
  private running: Promise<void> = Promise.resolve();
  /** Told about a task that threw; the other tasks still run. */
  onTaskError: (error: unknown, task: DueTask) => void = (error, task) =>
    process.emitWarning(`pinbox clock task '${task.name}' failed: ${error instanceof Error ? error.message : String(error)}`);

  /** Told when this clock is moved here (not when it adopts another's move); the move waits for them. */
  private readonly moveListeners: ((state: ClockPosition) => Promise<void> | void)[] = [];

  now(): number {
    return this.frozenAt ?? Date.now() + this.offsetMs;
  }

  isFrozen(): boolean {
    return this.frozenAt !== null;
  }

  /** Stops time at the current instant (or at `at`: milliseconds or ISO 8601). */
  freeze(at: number | string = this.now()): Promise<void> {
    this.frozenAt = parseInstant(at);
    return this.movedHere();
  }

  /** Lets time run again from the instant it was frozen at. */
  unfreeze(): Promise<void> {
    if (this.frozenAt !== null) {
      this.offsetMs = this.frozenAt - Date.now();
      this.frozenAt = null;
    }
    return this.movedHere();
  }

  /**
   * Moves time forward (or backward with a negative amount) by milliseconds or a
   * duration such as `2d`, `90m`; resolves once the tasks that became due have run.
   */
  advance(by: number | string): Promise<void> {
    const ms = parseDuration(by, 'by');
    if (this.frozenAt !== null) this.frozenAt += ms;
    else this.offsetMs += ms;
    return this.movedHere();
  }

  /** Jumps to an absolute instant (milliseconds or ISO 8601), keeping the frozen/running state. */
  set(at: number | string): Promise<void> {
    const instant = parseInstant(at);
    if (this.frozenAt !== null) this.frozenAt = instant;
    else this.offsetMs = instant - Date.now();
    return this.movedHere();
  }

  /** Where the clock stands, to share with other processes. */
  state(): ClockPosition {
    return { offsetMs: this.offsetMs, frozenAt: this.frozenAt };
  }

  /**
   * Takes a state another process moved its clock to (several processes serving one
   * instance share one clock); runs what became due here, and tells no listener.
   */
  adopt(state: ClockPosition): Promise<void> {
    this.offsetMs = state.offsetMs;
    this.frozenAt = state.frozenAt;
    return this.moved();
  }

  /**
   * Registers a listener for moves made here (freeze, unfreeze, advance, set).
   * @example clock.onMove((state) => redis.publish('clock', JSON.stringify(state)))
   */
  onMove(listener: (state: ClockPosition) => Promise<void> | void): void {
    this.moveListeners.push(listener);
  }

  /**
   * Registers work to run when the clock reaches `at`; returns a function that cancels it.
   * @example const cancel = clock.schedule(clock.now() + 3_600_000, 'catalog feed', async (dueAt) => { ... });
   */
  schedule(at: number, name: string, run: DueTask['run']): () => void {
    const task = { at, name, run, seq: this.nextSeq++ };
    this.tasks.push(task);
    this.tasks.sort((a, b) => a.at - b.at || a.seq - b.seq);
    void this.moved();
    return () => {
      this.tasks = this.tasks.filter((t) => t !== task);
    };
  }

  /** The tasks not yet run, soonest first. */
  pending(): { at: number; name: string }[] {
    return this.tasks.map(({ at, name }) => ({ at, name }));
  }

  /** Runs every task that is due, in order; resolves when they have run. */
  runDue(): Promise<void> {
    this.running = this.running.then(async () => {
      while (this.tasks.length > 0 && this.tasks[0].at <= this.now()) {
        const task = this.tasks.shift()!;
        try {
          await task.run(task.at);
        } catch (error) {
          this.onTaskError(error, task);
        }
      }
      this.arm();
    });
    return this.running;
  }

  private async movedHere(): Promise<void> {
    const state = this.state();
    await Promise.all([...this.moveListeners.map((listener) => listener(state)), this.moved()]);
  }

  private moved(): Promise<void> {
    return this.tasks.length === 0 ? this.running : this.runDue();
  }

  /** While time runs on its own, wakes up when the next task falls due. */
  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.frozenAt !== null || this.tasks.length === 0) return;
    const wait = Math.min(Math.max(this.tasks[0].at - this.now(), 0), 2 ** 31 - 1);
    this.timer = setTimeout(() => void this.runDue(), wait);
    this.timer.unref();
  }
}

/**
 * Pinterest's timestamp format: ISO 8601 in UTC without a zone suffix or
 * milliseconds, e.g. `2022-10-13T01:40:29`.
 * Pinterest: as in every v5 response (`created_at`, `board_pins_modified_at`).
 */
export function pinterestTimestamp(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}
