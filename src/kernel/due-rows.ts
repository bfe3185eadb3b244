import type { Clock } from './clock.js';

/**
 * Rows of the store that wait for an instant on pinbox's clock (a customer list's
 * matching, a webhook delivery's next try): each is scheduled on the clock by id,
 * rescheduled once it is due again, and every waiting row is scheduled anew when
 * the process starts or the store changed under it (a reset, a restore), so work
 * survives a restart. What a row's work does, and its claim against a second
 * process doing it too, is the caller's `run`.
 * @example
 * const due = new DueRows(clock, 'customer list matching', () => db.all('SELECT id, due_at FROM ...'), (id) => settle(id));
 * due.schedule(id, clock.now() + 60_000);
 */
export class DueRows {
  private readonly scheduled = new Map<string, () => void>();

  constructor(
    private readonly clock: Clock,
    private readonly name: string,
    /** Every waiting row: its id and when it is due (milliseconds on pinbox's clock). */
    private readonly waiting: () => Promise<{ id: string; due_at: number | string }[]>,
    private readonly run: (id: string) => Promise<void>,
  ) {}

  schedule(id: string, dueAt: number): void {
    this.scheduled.get(id)?.();
    this.scheduled.set(
      id,
      this.clock.schedule(dueAt, this.name, async () => {
        this.scheduled.delete(id);
        await this.run(id);
      }),
    );
  }

  /** Forgets what was scheduled and schedules every row waiting in the store. */
  async scheduleWaiting(): Promise<void> {
    for (const cancel of this.scheduled.values()) cancel();
    this.scheduled.clear();
    for (const row of await this.waiting()) this.schedule(row.id, Number(row.due_at));
  }
}
