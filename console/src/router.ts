// The console's routes, in the URL's hash (`#/recordings/<showId>`, `#/schedule?week=2026-11-30`),
// so the bridge serves one index.html and a reload keeps the page. Pure: parse and format only;
// ConsoleState listens to hashchange.

export type PageName = 'recordings' | 'recording' | 'schedule' | 'live' | 'people' | 'tokens' | 'audit' | 'station';

export interface Route {
  page: PageName;
  /** The show id of a recording's detail page. */
  id?: string;
  /** The query part (`?week=…`). */
  params: Record<string, string>;
}

const PAGES: readonly PageName[] = ['recordings', 'schedule', 'live', 'people', 'tokens', 'audit', 'station'];

/** `#/recordings/abc?x=1` → {page: 'recording', id: 'abc', params: {x: '1'}}; anything unknown → recordings. */
export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  const params = Object.fromEntries(new URLSearchParams(query));
  const [first = '', second] = path.split('/');
  if (first === 'recordings' && second) return { page: 'recording', id: decodeURIComponent(second), params };
  const page = (PAGES as readonly string[]).includes(first) ? (first as PageName) : 'recordings';
  return { page, params };
}

export function routeHref(route: { page: PageName; id?: string; params?: Record<string, string> }): string {
  const path = route.page === 'recording' ? `recordings/${encodeURIComponent(route.id ?? '')}` : route.page;
  const q = new URLSearchParams(route.params ?? {}).toString();
  return `#/${path}${q ? `?${q}` : ''}`;
}
