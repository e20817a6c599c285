// What a refused or failed page shows.
import { BASE, Layout, type PageContext } from './layout.js';

const TITLES: Record<number, string> = { 400: 'Bad request', 401: 'Log in first', 403: 'Not allowed', 404: 'Not found', 409: 'Conflict', 413: 'Too large', 429: 'Too many attempts' };

export function ErrorPage({ page, status, message }: { page: PageContext; status: number; message: string }): JSX.Element {
  return (
    <Layout title={TITLES[status] ?? 'Error'} page={page}>
      <p class="notice error" role="alert" safe>{message}</p>
      <p><a href={`${BASE}/jobs`}>Back to the jobs</a></p>
    </Layout>
  );
}
