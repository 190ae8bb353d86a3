export function Clients() {
  return <p className="muted">Clients is being built.</p>
}
