// Entry point: creates the ConsoleState (composition root) and gives it to <console-app>.
import { ConsoleState } from './console-state.ts';
import type { ConsoleApp } from './elements/console-app.ts';
import './elements/console-app.ts';

const state = new ConsoleState();
const app = document.querySelector('console-app') as ConsoleApp;
app.app = state;
void state.restore();
