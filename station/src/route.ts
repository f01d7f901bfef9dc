// The page's two views and their addresses: the station (`/`) and one stream's page
// (`/?mount=/live`, with the visualizer). Pure: a query string in, a route out, and back.

export interface Route {
  /** The mount whose page is shown, or null for the station's index. */
  mount: string | null;
}

export function parseRoute(search: string): Route {
  const mount = new URLSearchParams(search).get('mount');
  return { mount: mount && mount.startsWith('/') ? mount : null };
}

/** A relative link (`?mount=/live`, or `./` for the index) that keeps the page's own path. */
export function routeHref(route: Route): string {
  if (!route.mount) return './';
  return `?mount=${encodeURIComponent(route.mount).replace(/%2F/gi, '/')}`;
}
