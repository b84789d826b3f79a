// Run a reload at most once per `ms`: the first call runs at once, calls meanwhile fold into one
// more run at the end of the window (so a burst of events costs two reads, not one per event).
export class Throttle {
  private last = -Infinity;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private disposed = false;

  constructor(
    private readonly fn: () => void,
    private readonly ms: number,
  ) {}

  call() {
    if (this.disposed || this.timer) return;
    const wait = this.last + this.ms - Date.now();
    if (wait <= 0) {
      this.last = Date.now();
      this.fn();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.disposed) return;
      this.last = Date.now();
      this.fn();
    }, wait);
  }

  dispose() {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
