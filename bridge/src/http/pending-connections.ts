// The stream port's unfinished connections (accepted, request head not complete), in age order, per
// client address and in all. Fed by stream-server.ts at accept and when a head completes or the
// socket closes; decides which connections make room when a limit is reached. No sockets here.

export interface PendingEntry {
  readonly address: string;
  /** Drops the connection (called at most once, when it is evicted to make room). */
  readonly evict: () => void;
}

export class PendingConnections {
  /** Every unfinished connection, oldest first (a Set keeps insertion order). */
  readonly #all = new Set<PendingEntry>();
  readonly #byAddress = new Map<string, Set<PendingEntry>>();

  get size(): number {
    return this.#all.size;
  }

  countOf(address: string): number {
    return this.#byAddress.get(address)?.size ?? 0;
  }

  /**
   * Makes room for one more connection from `address`: while the address holds `maxPerAddress` or
   * more, its oldest is evicted; while all hold `maxTotal` or more, the oldest of anyone is. Returns
   * how many were evicted. A new client is therefore always admitted; what an attacker holds open is
   * what gets dropped first.
   */
  makeRoom(address: string, maxPerAddress: number, maxTotal: number): number {
    let evicted = 0;
    const own = this.#byAddress.get(address);
    while (own && own.size >= maxPerAddress && own.size > 0) {
      this.#evict(own.values().next().value!);
      evicted++;
    }
    while (this.#all.size >= maxTotal && this.#all.size > 0) {
      this.#evict(this.#all.values().next().value!);
      evicted++;
    }
    return evicted;
  }

  add(address: string, evict: () => void): PendingEntry {
    const entry: PendingEntry = { address, evict };
    this.#all.add(entry);
    let own = this.#byAddress.get(address);
    if (!own) this.#byAddress.set(address, (own = new Set()));
    own.add(entry);
    return entry;
  }

  /** The head completed, failed or the socket closed. Idempotent. */
  remove(entry: PendingEntry): void {
    if (!this.#all.delete(entry)) return;
    const own = this.#byAddress.get(entry.address);
    if (!own) return;
    own.delete(entry);
    if (own.size === 0) this.#byAddress.delete(entry.address);
  }

  #evict(entry: PendingEntry): void {
    this.remove(entry);
    entry.evict();
  }
}
