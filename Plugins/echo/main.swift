print("verifier-echo")
