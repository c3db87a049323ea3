console.log("hagate-agent: not built yet");
