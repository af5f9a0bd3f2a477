#if canImport(CMimalloc)
import CMimalloc
#endif
import InspectorCLI

#if canImport(CMimalloc)
// mimalloc serves every allocation of the process by being linked (Package.swift says why); naming one of its
// functions keeps the linker from dropping a library nothing else calls.
_ = mi_version()
#endif
await runDubboInspect()
