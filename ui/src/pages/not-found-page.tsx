/** A dashboard address that names no page. */
export function NotFoundPage() {
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        This address names no page of the dashboard. <a href="/ui/">Go to the fleet</a>.
      </p>
    </section>
  );
}
