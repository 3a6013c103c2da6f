print("about to fail")
os.exit(3)
