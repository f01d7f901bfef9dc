// The cart files kept in the browser (IndexedDB, database "aircheck-studio", store "carts"): each
// cart's audio file with its name, loop flag and place on the wall, so carts survive a reload, a
// crash or a reopened browser. Fed by the Studio (studio.ts) on add / loop / remove; read when the
// studio's audio starts. An adapter: no logic beyond storing and listing.

export interface StoredCart {
  id: string;
  name: string;
  loop: boolean;
  /** Place on the wall (ascending). */
  order: number;
  /** The file as the DJ chose it (decoded again on load). */
  file: Blob;
}

const DB_NAME = 'aircheck-studio';
const STORE = 'carts';

function request<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error ?? new Error('IndexedDB request failed'));
  });
}

export class CartStore {
  #db: Promise<IDBDatabase> | null = null;

  /** False where IndexedDB is missing (a private window of some browsers): carts then last until reload. */
  static get available(): boolean {
    return typeof indexedDB !== 'undefined';
  }

  #open(): Promise<IDBDatabase> {
    this.#db ??= new Promise((resolve, reject) => {
      const open = indexedDB.open(DB_NAME, 1);
      open.onupgradeneeded = () => {
        if (!open.result.objectStoreNames.contains(STORE)) open.result.createObjectStore(STORE, { keyPath: 'id' });
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error ?? new Error('IndexedDB could not be opened'));
    });
    return this.#db;
  }

  /** Every stored cart, in wall order. */
  async list(): Promise<StoredCart[]> {
    const db = await this.#open();
    const all = await request(db.transaction(STORE, 'readonly').objectStore(STORE).getAll() as IDBRequest<StoredCart[]>);
    return all.sort((a, b) => a.order - b.order);
  }

  async put(cart: StoredCart): Promise<void> {
    const db = await this.#open();
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(cart);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB write failed'));
      tx.onabort = () => reject(tx.error ?? new Error('IndexedDB write aborted (is the disk full?)'));
    });
  }

  /** Changes fields of a stored cart (loop, name, order); nothing when it is not stored. */
  async update(id: string, change: Partial<Omit<StoredCart, 'id' | 'file'>>): Promise<void> {
    const db = await this.#open();
    const existing = await request(db.transaction(STORE, 'readonly').objectStore(STORE).get(id) as IDBRequest<StoredCart | undefined>);
    if (existing) await this.put({ ...existing, ...change });
  }

  async delete(id: string): Promise<void> {
    const db = await this.#open();
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).delete(id);
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error ?? new Error('IndexedDB delete failed'));
    });
  }
}
