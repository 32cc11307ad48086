import { randomUUID } from 'node:crypto';
import { eventually } from '@eda/platform/testing';

/**
 * The test data every suite makes, made one way (object mothers): through the public REST API, each with fresh
 * unique names, failing with the answer when the app refuses. Where a context learns of the data over the stream
 * (organizations of users, orders of prices), the mother waits until it has. The app is the in-process TestApp, or
 * an app process (AppProcess) with a connection of the test's.
 */
interface App {
  request: (method: string, url: string, body?: unknown) => Promise<{ status: number; body: any }>;
  /** A look at the database, where a mother waits for a context to have heard of what it made. */
  sql: { query(text: string, values?: unknown[]): Promise<{ rowCount: number | null }> };
}

/** How long a mother waits for the other context to hear of what it made (a busy 2-core machine). */
const STREAM_WAIT_MS = 60_000;

async function created<T>(t: App, url: string, body: unknown): Promise<T> {
  const res = await t.request('POST', url, body);
  if (res.status !== 201) throw new Error(`POST ${url} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as T;
}

export interface UserMade {
  id: string;
  email: string;
  username: string;
  firstName: string;
  lastName: string;
}

export function aUser(t: App, overrides: Partial<Omit<UserMade, 'id'>> = {}): Promise<UserMade> {
  const n = randomUUID().slice(0, 8);
  return created(t, '/users', { email: `ada.${n}@example.com`, username: `ada_${n}`, firstName: 'Ada', lastName: `Lovelace${n}`, ...overrides });
}

export interface OrganizationMade {
  id: string;
  name: string;
  creditLimitCents: number;
}

export function anOrganization(t: App, creditLimitCents = 100_000, name = `Acme ${randomUUID().slice(0, 8)}`): Promise<OrganizationMade> {
  return created(t, '/organizations', { name, creditLimitCents });
}

/** The user joins the organization once the organizations context has heard of them (until then: 422). */
export async function aMembership(t: App, organizationId: string, userId: string, role = 'member'): Promise<void> {
  await eventually('the organizations context knows the user', async () => {
    const res = await t.request('POST', `/organizations/${organizationId}/members`, { userId, role });
    if (res.status !== 201) throw new Error(`adding the member answered ${res.status}: ${JSON.stringify(res.body)}`);
  }, STREAM_WAIT_MS, 100);
}

/** A product in the inventory, under a fresh sku. Returns the sku. */
export async function aProduct(t: App, priceCents = 100, initialStock = 100, name = 'Widget'): Promise<string> {
  const sku = `SKU-${randomUUID().slice(0, 8)}`;
  await created(t, '/products', { sku, name, priceCents, initialStock });
  return sku;
}

/** A product the orders context has priced (its catalog is fed by inventory's events). Returns the sku. */
export async function aPricedProduct(t: App, priceCents = 100, initialStock = 100, name = 'Widget'): Promise<string> {
  const sku = await aProduct(t, priceCents, initialStock, name);
  await eventually('orders knows the product price', async () => {
    if ((await t.sql.query('SELECT 1 FROM orders.product_prices WHERE sku = $1', [sku])).rowCount !== 1) throw new Error(`no price for ${sku} yet`);
  }, STREAM_WAIT_MS, 100);
  return sku;
}

/** Someone who can order: a user, an organization with this credit, and the membership between them. */
export async function aCustomer(t: App, creditLimitCents = 100_000): Promise<{ user: UserMade; org: OrganizationMade }> {
  const user = await aUser(t);
  const org = await anOrganization(t, creditLimitCents);
  await aMembership(t, org.id, user.id);
  return { user, org };
}
