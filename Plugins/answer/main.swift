print("verifier-answer")
