// One async job run again and again, never twice at once: a request while it runs makes one more run after it (any
// number of requests, one run), and every caller waits for the run that covers its request. The node agent's route
// and policy loops are two of these. The job handles its own errors; a throw ends the current runs (the next request
// starts afresh).
export class CoalescedRuns {
  private running: Promise<void> | undefined;
  private again = false;

  /** `stop`: checked before each further run (closed, or a fatal failure). */
  constructor(
    private readonly job: () => Promise<void>,
    private readonly stop: () => boolean = () => false,
  ) {}

  /** Resolves once a run that started after this call has finished. */
  run(): Promise<void> {
    if (this.running !== undefined) {
      this.again = true;
      return this.running;
    }
    // Started on a microtask, so a request made while the job's synchronous part runs finds this run in progress.
    const run = Promise.resolve()
      .then(async () => {
        do {
          this.again = false;
          await this.job();
        } while (this.again && !this.stop());
      })
      .finally(() => {
        this.running = undefined;
      });
    this.running = run;
    return run;
  }

  /** The runs in progress, if any. */
  get current(): Promise<void> | undefined {
    return this.running;
  }
}
