/**
 * The console's views, in the order of its navigation: each is one file of this
 * folder, named for what it shows, and one line here. A view gets the route's
 * parts after its own id (`#/content/alice` → ['alice']).
 */
import type { FunctionComponent } from 'preact';
import { Overview } from './overview.js';
import { Content } from './content.js';
import { Agents } from './agents.js';
import { Requests } from './requests.js';
import { Faults } from './faults.js';
import { Ads } from './ads.js';
import { Catalogs } from './catalogs.js';
import { Audiences } from './audiences.js';

export interface ConsoleView {
  /** The first part of its hash route, and the id of its nav link (`nav-overview`). */
  id: string;
  title: string;
  component: FunctionComponent<{ parts: string[]; query: URLSearchParams }>;
}

export const VIEWS: ConsoleView[] = [
  { id: 'overview', title: 'Overview', component: Overview },
  { id: 'content', title: 'Content', component: Content },
  { id: 'requests', title: 'Requests', component: Requests },
  { id: 'faults', title: 'Faults & state', component: Faults },
  { id: 'agents', title: 'Agents', component: Agents },
  { id: 'ads', title: 'Ads', component: Ads },
  { id: 'catalogs', title: 'Catalogs', component: Catalogs },
  { id: 'audiences', title: 'Audiences', component: Audiences },
];
