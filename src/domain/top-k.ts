/**
 * A bounded max-heap that keeps the `k` smallest (distance, row) pairs seen so far, in typed
 * arrays so that offering a candidate allocates nothing. Ties on distance are broken by the
 * smaller row, so results are deterministic.
 */
export class TopK {
  private readonly distances: Float64Array;
  private readonly rows: Int32Array;
  private size = 0;

  constructor(readonly k: number) {
    this.distances = new Float64Array(k);
    this.rows = new Int32Array(k);
  }

  /** The distance a candidate must beat to enter (Infinity until the heap is full). */
  get bound(): number {
    return this.size < this.k ? Number.POSITIVE_INFINITY : (this.distances[0] as number);
  }

  /** Keeps (`distance`, `row`) if it is among the `k` smallest so far. */
  offer(distance: number, row: number): void {
    if (this.size < this.k) {
      let i = this.size++;
      // sift up
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (
          !this.worse(distance, row, this.distances[parent] as number, this.rows[parent] as number)
        )
          break;
        this.distances[i] = this.distances[parent] as number;
        this.rows[i] = this.rows[parent] as number;
        i = parent;
      }
      this.distances[i] = distance;
      this.rows[i] = row;
      return;
    }
    if (!this.worse(this.distances[0] as number, this.rows[0] as number, distance, row)) return;
    // replace root, sift down
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (
        r < n &&
        this.worse(
          this.distances[r] as number,
          this.rows[r] as number,
          this.distances[l] as number,
          this.rows[l] as number,
        )
      )
        c = r;
      if (!this.worse(this.distances[c] as number, this.rows[c] as number, distance, row)) break;
      this.distances[i] = this.distances[c] as number;
      this.rows[i] = this.rows[c] as number;
      i = c;
    }
    this.distances[i] = distance;
    this.rows[i] = row;
  }

  /** The kept pairs, nearest first. */
  sorted(): { row: number; distance: number }[] {
    const out: { row: number; distance: number }[] = [];
    for (let i = 0; i < this.size; i++) {
      out.push({ row: this.rows[i] as number, distance: this.distances[i] as number });
    }
    out.sort((a, b) => a.distance - b.distance || a.row - b.row);
    return out;
  }

  private worse(d1: number, r1: number, d2: number, r2: number): boolean {
    return d1 > d2 || (d1 === d2 && r1 > r2);
  }
}
