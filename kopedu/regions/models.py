"""BPS administrative regions and the cooperatives that sit in them."""
from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kopedu.db import TimestampMixin
from kopedu.extensions import db

LEVELS = ("provinsi", "kabupaten_kota", "kecamatan", "kelurahan_desa")
# BPS codes nest by prefix: 53 → 5371 → 5371030 → 5371030001.
CODE_LENGTHS = {2: "provinsi", 4: "kabupaten_kota", 7: "kecamatan", 10: "kelurahan_desa"}


class Region(db.Model):
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(20))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)

    parent: Mapped["Region | None"] = relationship(remote_side="Region.code", lazy="joined", join_depth=3)

    def __repr__(self) -> str:
        return f"<Region {self.code} {self.name}>"

    @property
    def display_name(self) -> str:
        """BPS names are upper case; show them in title case ("KOTA KUPANG" → "Kota Kupang")."""
        return title_case(self.name)

    def contains(self, code: str | None) -> bool:
        return bool(code) and code.startswith(self.code)

    def lineage(self) -> list["Region"]:
        """This region and its parents, from the top (provinsi) down."""
        chain, node = [], self
        while node is not None:
            chain.append(node)
            node = node.parent
        return list(reversed(chain))


def title_case(name: str) -> str:
    small = {"DAN": "dan", "DI": "di"}
    words = []
    for word in name.split():
        if word in small:
            words.append(small[word])
        elif "'" in word:
            words.append("'".join(p.capitalize() for p in word.split("'")))
        else:
            words.append(word.capitalize())
    return " ".join(words)


class Cooperative(TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    village_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    legal_number: Mapped[str | None] = mapped_column(String(120))

    village: Mapped[Region] = relationship(lazy="joined")

    __table_args__ = (Index("ix_cooperative_village_code", "village_code"),
                      db.UniqueConstraint("village_code", "name"))

    def __repr__(self) -> str:
        return f"<Cooperative {self.name}>"

    @staticmethod
    def default_name(village: Region) -> str:
        """The name a village's cooperative gets when nobody gave one."""
        return f"Koperasi Kelurahan Merah Putih {title_case(village.name)}"
