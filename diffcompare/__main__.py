from diffcompare.cli import entry

entry()
