"""Google Sheets as the shared ledger, through gspread (README, section «Google Sheets»).

``adapter``: SheetsRepository, the Repository over one spreadsheet; ``bootstrap``: the
command that prepares a spreadsheet; ``config``: where the sheet and the service account
come from; ``benchmark``: API calls per page view and per action, ours and naive.
"""
