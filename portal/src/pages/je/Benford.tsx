export function Benford() {
  return <p className="muted">Benford is being built.</p>
}
