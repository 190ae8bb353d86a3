export function ReviewNotes() {
  return <p className="muted">ReviewNotes is being built.</p>
}
