import InspectorCLI

await runDubboInspect()
