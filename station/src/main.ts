// Entry point: creates the Station (composition root) with the browser's fetch, EventSource and
// storage, and gives it to <station-app>. The players' <audio> elements live in a hidden holder.
import { Station } from './station.ts';
import { StationFeed, browserFeedDeps } from './station-feed.ts';
import type { StationApp } from './elements/station-app.ts';
import './elements/station-app.ts';

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null; // storage disabled: the volume is not remembered
  }
}

const holder = document.createElement('div');
holder.hidden = true;
holder.id = 'station-players';
document.body.append(holder);

const station = new Station(new StationFeed(browserFeedDeps()), holder, storage());
const app = document.querySelector('station-app') as StationApp;
app.station = station;
station.start();
// For tests and debugging in the browser's console (no secrets on this page).
(window as unknown as { aircheckStation: Station }).aircheckStation = station;
