// Reports each distinct problem once while it lasts, and again when it comes back after going away (the route table's
// report() in felix/route-table.ts keeps its keys the same way). The owner runs rounds: every recomputation calls
// report() for each problem it sees, then endRound(); a key not reported in a round is forgotten.
//
// Keys name the problem (`nat`, `tunnel-address vxlan`, `peer 10.0.0.1 not started`), never an error's text: a message
// that varies from one attempt to the next (a counter, a timestamp) must not make one problem look like many.
export class ProblemLog {
  private reported = new Set<string>();
  private current = new Set<string>();

  /** Calls log() unless this key was already reported in the previous round (or earlier in this one). */
  report(key: string, log: () => void): void {
    if (this.current.has(key)) return;
    this.current.add(key);
    if (!this.reported.has(key)) log();
  }

  /** Ends a round: only the keys reported in it are remembered. */
  endRound(): void {
    this.reported = this.current;
    this.current = new Set();
  }
}
