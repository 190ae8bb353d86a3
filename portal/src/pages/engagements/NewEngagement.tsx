export function NewEngagement() {
  return <p className="muted">NewEngagement is being built.</p>
}
