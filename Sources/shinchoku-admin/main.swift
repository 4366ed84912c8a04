import ShinchokuAdmin

// At top level Swift would pick ArgumentParser's synchronous `main()`; in an async function it picks
// `Admin.main()`, which maps every error to an exit status.
func runAdmin() async { await Admin.main() }
await runAdmin()
