// Entry point: creates the Studio (composition root) and gives it to <studio-app>.
import { Studio } from './studio.ts';
import type { StudioApp } from './elements/studio-app.ts';
import './elements/studio-app.ts';

const studio = new Studio();
const app = document.querySelector('studio-app') as StudioApp;
app.studio = studio;
void studio.restore();
// For tests and debugging in the console (no secrets: the token stays in the Studio).
(window as unknown as { aircheckStudio: Studio }).aircheckStudio = studio;
