export function DataPage() {
  return <p className="muted">DataPage is being built.</p>
}
