// Series: a growable table of numeric columns in Float64Arrays, trimmed from the front when full.

export class Series {
  n = 0;
  cols: Float64Array[];
  /** how many rows were trimmed from the front since creation */
  dropped = 0;

  constructor(readonly width: number, private cap = 256, readonly max = 1 << 20) {
    this.cols = Array.from({ length: width }, () => new Float64Array(cap));
  }

  push(...vals: number[]): number {
    if (this.n === this.cap) this.grow();
    const i = this.n++;
    for (let c = 0; c < this.width; c++) this.cols[c][i] = vals[c];
    return i;
  }

  private grow(): void {
    if (this.cap >= this.max) {
      this.trimFront(this.cap >> 1);
      return;
    }
    this.cap *= 2;
    this.cols = this.cols.map((old) => {
      const a = new Float64Array(this.cap);
      a.set(old);
      return a;
    });
  }

  trimFront(k: number): void {
    k = Math.min(k, this.n);
    for (const col of this.cols) col.copyWithin(0, k, this.n);
    this.n -= k;
    this.dropped += k;
  }

  /** lowerBound returns the first row whose column c is >= v (column c must be sorted). */
  lowerBound(c: number, v: number): number {
    const a = this.cols[c];
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] < v) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
