from homemind.channels.entry import run

run()
