import InspectorCLI

await DubboInspect.main()
