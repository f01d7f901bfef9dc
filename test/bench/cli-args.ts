// The benchmarks' command-line reading, shared by loadtest and bench:stream: flags with a value
// after them or inline (--flag=value), numbers checked against their range, and every problem named
// with the flag, the value and an example of the fix. Pure: no I/O.

export class ArgReader {
  readonly problems: string[] = [];
  #argv: readonly string[];
  #i = -1;
  #inline: string | null = null;
  /** The flag being read (without its inline value). */
  flag = '';
  /** The argument as given. */
  arg = '';

  constructor(argv: readonly string[]) {
    this.#argv = argv;
  }

  /** Moves to the next argument; false at the end. */
  next(): boolean {
    this.#i++;
    if (this.#i >= this.#argv.length) return false;
    this.arg = this.#argv[this.#i]!;
    const eq = this.arg.startsWith('--') ? this.arg.indexOf('=') : -1;
    this.flag = eq > 0 ? this.arg.slice(0, eq) : this.arg;
    this.#inline = eq > 0 ? this.arg.slice(eq + 1) : null;
    return true;
  }

  /** The flag's value (inline or the next argument; a negative number counts as a value), or null with the problem noted. */
  value(example: string): string | null {
    if (this.#inline !== null) return this.#inline;
    const v = this.#argv[this.#i + 1];
    if (v === undefined || (v.startsWith('-') && !/^-\d/.test(v))) {
      this.problems.push(`${this.flag} needs a value: write it after the flag, e.g. ${this.flag} ${example}`);
      return null;
    }
    this.#i++;
    return v;
  }

  /** Skips the flag's value if one follows (for a flag that is refused whatever its value). */
  skipValue(): void {
    if (this.#inline === null && this.#argv[this.#i + 1] !== undefined && !this.#argv[this.#i + 1]!.startsWith('-')) this.#i++;
  }

  /** A whole number from min to max, or null with the problem noted. */
  whole(example: string, min: number, max: number): number | null {
    const v = this.value(example);
    if (v === null) return null;
    if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) {
      this.problems.push(`${this.flag} ${JSON.stringify(v)} is not a whole number from ${min} to ${max}: e.g. ${this.flag} ${example}`);
      return null;
    }
    return Number(v);
  }

  /** A number of seconds above 0 (or from 0 with allowZero) up to max, or null with the problem noted. */
  seconds(example: string, max: number, opts: { allowZero?: boolean } = {}): number | null {
    const v = this.value(example);
    if (v === null) return null;
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || n > max || (n === 0 && !opts.allowZero)) {
      this.problems.push(`${this.flag} ${JSON.stringify(v)} is not a number of seconds (${opts.allowZero ? 'from 0' : 'above 0'}, at most ${max}): e.g. ${this.flag} ${example}`);
      return null;
    }
    return n;
  }
}
