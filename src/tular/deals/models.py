"""models of tular.deals"""
