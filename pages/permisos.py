"""Permisos: the permission matrix of the manual (sections 5 and 6), as the app enforces it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.domain.permissions import Scope
from core.domain.roles import Role
from ui import session

user = session.require_user()
matrix = session.permissions()

st.title("Permisos")
st.caption("Quién puede hacer qué, según las secciones 5 y 6 del manual. Las filas con "
           "interpretación completan lo que el manual no dice. La aplicación aplica esta "
           "matriz en cada acción; los permisos de ámbito «Red social» se configuran en los "
           "roles de la propia red social (página de Facebook, etc.).")

mine = matrix.capabilities_of(user.roles)
if mine:
    st.subheader("Sus permisos")
    st.dataframe(pd.DataFrame([{"Permiso": r.description, "Ámbito": r.scope.label}
                               for r in mine]),
                 hide_index=True, width="stretch", key="permissions_mine")

st.subheader("Matriz de permisos")
rows = []
for row in matrix.rows:
    cells: dict[str, str] = {"Permiso": row.description}
    for role in Role:
        if role in row.roles:
            cells[role.label] = "✓"
        elif role in row.vacancy_roles:
            cells[role.label] = "✓ si vacante"
        else:
            cells[role.label] = ""
    cells["Ámbito"] = row.scope.label
    cells["Cláusula"] = row.clause
    cells["Interpretación"] = row.interpretation
    rows.append(cells)
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="permissions_matrix")
st.caption("«✓ si vacante»: solo cuando ninguna cuenta activa tiene ese rol (por ejemplo, "
           "en el primer uso). Nadie modifica sus propios roles.")
network = [r.description for r in matrix.rows if r.scope is Scope.NETWORK]
if network:
    st.caption("Se configuran en la red social: " + "; ".join(network) + ".")
