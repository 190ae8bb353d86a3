export function EngagementList() {
  return <p className="muted">EngagementList is being built.</p>
}
