"""The Image menu: Rotate 90° Left/Right, Flip, Crop…, Straighten…, Resize… (see
`transform`), Extend Canvas… (see `extend_dialog`), and the tone and colour
adjustments for faded prints (see `tone_dialog`)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from restorer.transform import Crop, Flip, Resize, Rotate90, Straighten
from ui.features.image.crop_dialog import CropDialog
from ui.features.image.extend_dialog import show_extend_dialog
from ui.features.image.photo_view import thumbnail
from ui.features.image.resize_dialog import ResizeDialog
from ui.features.image.straighten_dialog import StraightenDialog
from ui.features.image.tone_dialog import (
    AUTO_CONTRAST,
    AUTO_LEVELS,
    FADE,
    LEVELS,
    WHITE_BALANCE,
    show_tone_dialog,
)
from ui.features.image.transform import run_transform
from ui.shell import MenuId, Shell

PREVIEW_SIDE = 900  # longest side of the photo shown in the crop and straighten dialogs


class ImageMenu:
    def __init__(self, shell: Shell) -> None:
        self.shell = shell
        add = shell.add_action
        self.rotate_left_action = add(
            "Rotate 90° &Left",
            lambda: run_transform(shell, Rotate90(clockwise=False)),
        )
        self.rotate_right_action = add(
            "Rotate 90° &Right",
            lambda: run_transform(shell, Rotate90(clockwise=True)),
        )
        self.flip_h_action = add("Flip &Horizontal", lambda: run_transform(shell, Flip(True)))
        self.flip_v_action = add("Flip &Vertical", lambda: run_transform(shell, Flip(False)))
        self.crop_action = add(
            "&Crop…",
            self.crop,
            ["C"],
            tip="Keep a rectangle of the photo, free or at a fixed ratio (C)",
        )
        self.straighten_action = add(
            "S&traighten…", self.straighten, tip="Level a tilted horizon and crop the corners"
        )
        self.resize_action = add("Re&size…", self.resize, ["Ctrl+Alt+I"])
        self.extend_action = add(
            "&Extend Canvas…",
            lambda: show_extend_dialog(shell),
            tip="Add pixels on chosen sides and fill them with the current engine",
        )
        self.extend_action.setStatusTip(self.extend_action.toolTip())
        self.tone_actions = {
            kind: add(f"{kind}…", lambda _=False, k=kind: show_tone_dialog(shell, k), keys, tip=tip)
            for kind, keys, tip in (
                (AUTO_LEVELS, ["Ctrl+Shift+L"], "Stretch each channel: contrast back, casts gone"),
                (AUTO_CONTRAST, ["Ctrl+Alt+Shift+L"], "Stretch the channels together"),
                (LEVELS, ["Ctrl+L"], "Black point, white point and midtones, per channel"),
                (WHITE_BALANCE, ["Ctrl+Shift+B"], "Make something grey neutral (or the average)"),
                (FADE, None, "Per-channel stretch and balance for faded colour prints"),
            )
        }
        shell.add_to_menu(
            MenuId.IMAGE,
            [
                self.rotate_left_action,
                self.rotate_right_action,
                self.flip_h_action,
                self.flip_v_action,
            ],
        )
        shell.add_to_menu(
            MenuId.IMAGE,
            [self.crop_action, self.straighten_action, self.resize_action, self.extend_action],
        )
        shell.add_to_menu(MenuId.IMAGE, list(self.tone_actions.values()))
        shell.menu(MenuId.IMAGE).aboutToShow.connect(self._refresh)
        shell.document_changed.connect(self._refresh)
        shell.jobs.busy_changed.connect(self._refresh)
        self._refresh()

    def actions(self):
        return [
            self.rotate_left_action,
            self.rotate_right_action,
            self.flip_h_action,
            self.flip_v_action,
            self.crop_action,
            self.straighten_action,
            self.resize_action,
            self.extend_action,
            *self.tone_actions.values(),
        ]

    def _refresh(self, *_: object) -> None:
        usable = self.shell.document is not None and not self.shell.jobs.busy
        for action in self.actions():
            action.setEnabled(usable)

    def _preview(self):
        document = self.shell.document
        return thumbnail(document.image_pyramid.levels, PREVIEW_SIDE)

    def crop(self) -> int | None:
        document = self.shell.document
        if document is None or self.shell.jobs.busy:
            return None
        dialog = CropDialog(self.shell.widget(), self._preview(), (document.height, document.width))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return run_transform(self.shell, Crop(dialog.box()))

    def straighten(self) -> int | None:
        document = self.shell.document
        if document is None or self.shell.jobs.busy:
            return None
        dialog = StraightenDialog(
            self.shell.widget(), self._preview(), (document.height, document.width)
        )
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return run_transform(self.shell, Straighten(dialog.angle()))

    def resize(self) -> int | None:
        document = self.shell.document
        if document is None or self.shell.jobs.busy:
            return None
        dialog = ResizeDialog(self.shell.widget(), (document.height, document.width))
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        width, height = dialog.new_size()
        return run_transform(self.shell, Resize(width, height))


def install(shell: Shell) -> ImageMenu:
    return ImageMenu(shell)
