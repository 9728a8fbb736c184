"""models of tular.partners"""
