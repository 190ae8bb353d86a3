export function Binder() {
  return <p className="muted">Binder is being built.</p>
}
