// Texts of the console in English and Russian, the current language and date formatting.
// The language defaults to navigator.language and the choice is kept in localStorage.
// (Parsing and ordering timestamps is pure and lives in time.js.)

import { parseTime } from './time.js';

const STORAGE_KEY = 'support.console.lang';
export const LANGS = ['en', 'ru'];

const en = {
  'app.name': 'Support console',
  'app.loading': 'Loading…',
  'app.logout': 'Sign out',
  'app.skip': 'Skip to conversation',
  'app.title': 'Support console',
  'app.titleUnread': '({n}) Support console',
  'lang.label': 'Language',
  'login.title': 'Sign in',
  'login.subtitle': 'Use your support manager account.',
  'login.username': 'Username',
  'login.password': 'Password',
  'login.submit': 'Sign in',
  'login.busy': 'Signing in…',
  'login.missing': 'Enter your username and password.',
  'login.failed': 'Wrong username or password.',
  'login.rateLimited': 'Too many attempts. Wait a minute and try again.',
  'conn.connecting': 'Connecting…',
  'conn.open': 'Live',
  'conn.waiting': 'Offline, retrying in {s} s',
  'conn.offline': 'Offline',
  'conn.retry': 'Reconnect now',
  'lists.nav': 'Ticket lists',
  'lists.unassigned': 'Unassigned',
  'lists.mine': 'Mine',
  'lists.resolved': 'Resolved',
  'lists.more': 'Load more',
  'lists.loading': 'Loading tickets…',
  'lists.empty.unassigned': 'No unassigned tickets. Nice work!',
  'lists.empty.mine': 'You have no open tickets.',
  'lists.empty.resolved': 'No resolved tickets yet.',
  'lists.error': 'Could not load tickets: {detail}',
  'lists.tabUnread': {
    one: '{label}, {n} ticket with unread messages',
    other: '{label}, {n} tickets with unread messages',
  },
  'ticket.number': '#{id}',
  'ticket.user': 'User {id}',
  'ticket.unread': { one: '{n} unread message', other: '{n} unread messages' },
  'ticket.itemLabel': '{title}, ticket {id}, {time}',
  'ticket.you': 'You',
  'ticket.manager': 'Manager',
  'ticket.managerN': 'manager #{id}',
  'ticket.unassigned': 'unassigned',
  'ticket.assignedTo': 'Assigned to {name}',
  'ticket.assignedToYou': 'Assigned to you',
  'ticket.resolved': 'Resolved',
  'ticket.open': 'Open',
  'ticket.opened': 'opened {time}',
  'ticket.blocked': 'Blocked the bot',
  'ticket.blockedTitle': 'The user blocked the bot: replies cannot reach them until they write again.',
  'contact.open': 'Contact details',
  'contact.title': 'Contact',
  'contact.close': 'Close',
  'contact.username': 'Username',
  'contact.telegramId': 'Telegram ID',
  'contact.language': 'Language',
  'contact.unknown': 'unknown',
  'contact.premium': 'Telegram Premium',
  'contact.yes': 'Yes',
  'contact.no': 'No',
  'contact.bot': 'Status',
  'contact.active': 'Receives replies',
  'contact.openTelegram': 'Open in Telegram',
  'contact.history': 'Tickets of this user',
  'contact.historyLoading': 'Loading tickets…',
  'contact.historyError': 'Could not load the tickets: {detail}',
  'contact.historyEmpty': 'No tickets.',
  'contact.current': 'this ticket',
  'chat.region': 'Conversation',
  'chat.none': 'Select a ticket to see the conversation.',
  'chat.back': 'Back to tickets',
  'chat.messages': 'Messages',
  'chat.older': 'Load earlier messages',
  'chat.olderLoading': 'Loading…',
  'chat.start': 'This is the beginning of the conversation.',
  'chat.jump': 'New messages ↓',
  'chat.reply': 'Reply',
  'chat.placeholder': 'Write a reply…',
  'chat.send': 'Send',
  'chat.hint': 'Enter to send · Shift+Enter for a new line',
  'chat.hintOffline': 'Offline: replies are sent over HTTP.',
  'chat.tooLong': '{n} / 4096',
  'chat.loading': 'Loading messages…',
  'chat.loadError': 'Could not load messages: {detail}',
  'chat.empty': 'No messages yet.',
  'chat.sending': 'Sending…',
  'chat.failed': 'Not sent.',
  'chat.retry': 'Retry',
  'chat.discard': 'Discard',
  'chat.new': 'New',
  'chat.today': 'Today',
  'chat.yesterday': 'Yesterday',
  'chat.unassignedBanner': 'Nobody handles this ticket yet. Assign it to yourself to reply.',
  'chat.otherBanner': '{name} handles this ticket. Take it over to reply.',
  'chat.resolvedBanner': 'This ticket is resolved. Reopen it to reply.',
  'chat.blockedBanner': 'The user has blocked the bot. Replies will not be delivered until they write again.',
  'delivery.pending': 'Sending…',
  'delivery.waiting': 'Waiting for the bot',
  'delivery.pendingTitle': 'Waiting for the bot to deliver it to Telegram',
  'delivery.attempts': 'Waiting for the bot to deliver it to Telegram (attempts so far: {n})',
  'delivery.sent': 'Delivered',
  'delivery.sentAt': 'Delivered to Telegram {time}',
  'delivery.failed': 'Not delivered: {reason}',
  'delivery.failedBare': 'Not delivered',
  'delivery.retrying': 'Retrying…',
  'delivery.previewFailed': 'The last reply was not delivered',
  'action.assign': 'Assign to me',
  'action.takeOver': 'Take over',
  'action.resolve': 'Resolve',
  'action.reopen': 'Reopen',
  'action.needsSocket': 'Needs a live connection',
  'dialog.cancel': 'Cancel',
  'dialog.takeOverTitle': 'Take over this ticket?',
  'dialog.takeOverText': '“{title}” is assigned to {name}. They will no longer receive its messages.',
  'dialog.raceText': 'Another manager has just taken “{title}”. Take it over anyway?',
  'toast.assigned': 'Ticket #{id} is now yours.',
  'toast.takenBy': 'Ticket #{id} was taken by {name}.',
  'toast.created': 'New ticket #{id}: {title}',
  'toast.resolved': 'Ticket #{id} resolved.',
  'toast.reopened': 'Ticket #{id} reopened.',
  'toast.error': 'Error: {detail}',
  'toast.sessionExpired': 'Your session has expired. Please sign in again.',
  'toast.reloadFailed': 'Could not refresh the lists: {detail}',
  'error.network': 'network error',
  'error.server': 'server error ({status})',
  'error.forbidden': 'not allowed',
  'att.kind.photo': 'Photo',
  'att.kind.document': 'Document',
  'att.kind.video': 'Video',
  'att.kind.animation': 'GIF',
  'att.kind.voice': 'Voice message',
  'att.kind.audio': 'Audio',
  'att.kind.video_note': 'Video message',
  'att.kind.sticker': 'Sticker',
  'att.kind.location': 'Location',
  'att.kind.contact': 'Contact',
  'att.kind.file': 'File',
  'att.preview': '📎 {label}',
  'att.preview.some': 'Attachment',
  'att.preview.photos': { one: '{n} photo', other: '{n} photos' },
  'att.preview.files': { one: '{n} file', other: '{n} files' },
  'att.unsupported': 'Unsupported attachment: {kind}',
  'att.unavailable': 'File not available: {name}',
  'att.broken': 'Could not load the image: {name}',
  'att.openImage': 'Open image {name}',
  'att.download': 'Download {name}',
  'att.location': 'Location: {lat}, {lon}',
  'att.map': 'Open map',
  'att.list': 'Attachments',
  'lightbox.label': 'Image viewer',
  'lightbox.close': 'Close',
  'lightbox.original': 'Open original',
  'size.B': '{n} B',
  'size.KB': '{n} KB',
  'size.MB': '{n} MB',
  'size.GB': '{n} GB',
  'size.TB': '{n} TB',
  'upload.attach': 'Attach files',
  'upload.drop': 'Drop files to attach them',
  'upload.list': 'Files to send',
  'upload.remove': 'Remove {name}',
  'upload.cancel': 'Cancel the upload of {name}',
  'upload.progress': 'Uploading, {percent}%',
  'upload.ready': 'Ready to send',
  'upload.empty': '{name} is empty.',
  'upload.tooBig': '{name} is {size}; the limit is {limit}.',
  'upload.tooMany': {
    one: '{name} was not attached: a message may carry at most {n} file.',
    other: '{name} was not attached: a message may carry at most {n} files.',
  },
  'upload.tooBigServer': 'The file is too large for the server.',
  'upload.failed': 'Upload failed: {detail}',
  'upload.wait': 'Wait for the uploads to finish.',
  'upload.cantAttach': 'You cannot attach files to this ticket now.',
  'time.now': 'now',
  // notes, canned replies, typing
  'note.modes': 'Reply or note',
  'note.modeReply': 'Reply',
  'note.modeNote': 'Note',
  'note.add': 'Note',
  'note.addTitle': 'Write a private note for your team',
  'note.label': 'Note',
  'note.placeholder': 'Write a private note…',
  'note.hint': 'Only your team sees notes · Enter to save',
  'note.send': 'Save note',
  'note.tooLong': '{n} / 10000',
  'note.showMore': 'Show more',
  'note.showLess': 'Show less',
  'note.failed': 'The note was not saved: {detail}',
  'note.loadError': 'Could not load the notes: {detail}',
  'note.replyOnlyHolder': 'Only the manager handling this ticket can reply',
  'canned.open': 'Canned replies',
  'canned.title': 'Canned replies',
  'canned.close': 'Close',
  'canned.new': 'New canned reply',
  'canned.editTitle': 'Edit canned reply',
  'canned.fieldTitle': 'Title',
  'canned.fieldText': 'Text',
  'canned.variables': 'Variables: {first_name} {last_name} {username} {name} {ticket_id} {manager_name}',
  'canned.cancel': 'Cancel',
  'canned.save': 'Save',
  'canned.saving': 'Saving…',
  'canned.saved': 'Canned reply saved.',
  'canned.deleted': 'Canned reply deleted.',
  'canned.error': 'Not saved: {detail}',
  'canned.edit': 'Edit',
  'canned.delete': 'Delete',
  'canned.deleteTitle': 'Delete this canned reply?',
  'canned.deleteText': '“{title}” will be gone for the whole team.',
  'canned.empty': 'No canned replies yet. Add them from “Canned replies” at the top.',
  'canned.loadError': 'Could not load the canned replies: {detail}',
  'canned.noMatch': 'No canned reply matches “{query}”.',
  'canned.pickerHint': '↑↓ choose · Enter insert · Esc close',
  'canned.pickerLabel': 'Canned replies',
  'canned.titleMissing': 'Enter a title.',
  'canned.titleTooLong': 'The title is longer than 100 characters.',
  'canned.textMissing': 'Enter the text.',
  'canned.textTooLong': 'The text is longer than 4096 characters.',
  'typing.one': '{name} is typing…',
  'typing.two': '{a} and {b} are typing…',
  'typing.many': 'Several managers are typing…',
  'typing.short': 'typing…',
  // views, search, attention, keyboard
  'lists.open': 'Open',
  'lists.others': 'Others',
  'lists.title.open': 'All open tickets',
  'lists.title.unassigned': 'Open tickets nobody handles yet',
  'lists.title.mine': 'Open tickets you handle',
  'lists.title.others': 'Open tickets held by other managers',
  'lists.title.resolved': 'Resolved tickets',
  'lists.empty.open': 'No open tickets.',
  'lists.empty.others': 'No tickets held by other managers.',
  'search.label': 'Search tickets',
  'search.placeholder': 'Search: name, @username, #number, words…',
  'search.clear': 'Clear the search',
  'search.none': 'No tickets match “{text}”.',
  'search.loading': 'Searching…',
  'sort.label': 'Sort',
  'sort.activity': 'Newest activity',
  'sort.waiting': 'Waiting longest',
  'attention.settings': 'Alerts',
  'attention.notify': 'Browser notifications',
  'attention.sound': 'Sound',
  'attention.about': 'For new tickets and for new messages on your tickets.',
  'attention.unsupported': 'This browser cannot show notifications.',
  'attention.denied': 'Notifications are blocked for this site in the browser settings.',
  'attention.newTicket': 'New ticket #{id}',
  'attention.newMessage': '#{id} {name}',
  'keys.open': 'Keyboard shortcuts (?)',
  'keys.title': 'Keyboard shortcuts',
  'keys.close': 'Close',
  'keys.note': 'Shortcuts do nothing while you type in a field, except Escape.',
  'keys.or': 'or',
  'keys.enterKey': 'Enter',
  'keys.escapeKey': 'Esc',
  'keys.next': 'Next ticket in the list',
  'keys.prev': 'Previous ticket in the list',
  'keys.assign': 'Take (assign to me) the open ticket',
  'keys.resolve': 'Resolve or reopen the open ticket',
  'keys.compose': 'Write a reply',
  'keys.search': 'Search tickets',
  'keys.help': 'Show this help',
  'keys.escape': 'Close a dialog or menu; in the search box, end the search',
};

const ru = {
  'app.name': 'Консоль поддержки',
  'app.loading': 'Загрузка…',
  'app.logout': 'Выйти',
  'app.skip': 'Перейти к переписке',
  'app.title': 'Консоль поддержки',
  'app.titleUnread': '({n}) Консоль поддержки',
  'lang.label': 'Язык',
  'login.title': 'Вход',
  'login.subtitle': 'Войдите под учётной записью менеджера поддержки.',
  'login.username': 'Имя пользователя',
  'login.password': 'Пароль',
  'login.submit': 'Войти',
  'login.busy': 'Входим…',
  'login.missing': 'Введите имя пользователя и пароль.',
  'login.failed': 'Неверное имя пользователя или пароль.',
  'login.rateLimited': 'Слишком много попыток. Подождите минуту и попробуйте снова.',
  'conn.connecting': 'Подключение…',
  'conn.open': 'На связи',
  'conn.waiting': 'Нет связи, повтор через {s} с',
  'conn.offline': 'Нет связи',
  'conn.retry': 'Переподключить',
  'lists.nav': 'Списки обращений',
  'lists.unassigned': 'Новые',
  'lists.mine': 'Мои',
  'lists.resolved': 'Решённые',
  'lists.more': 'Показать ещё',
  'lists.loading': 'Загружаем обращения…',
  'lists.empty.unassigned': 'Нет нераспределённых обращений. Отлично!',
  'lists.empty.mine': 'У вас нет открытых обращений.',
  'lists.empty.resolved': 'Решённых обращений пока нет.',
  'lists.error': 'Не удалось загрузить обращения: {detail}',
  'lists.tabUnread': {
    one: '{label}, {n} обращение с непрочитанными',
    few: '{label}, {n} обращения с непрочитанными',
    many: '{label}, {n} обращений с непрочитанными',
    other: '{label}, {n} обращения с непрочитанными',
  },
  'ticket.number': '№{id}',
  'ticket.user': 'Пользователь {id}',
  'ticket.unread': {
    one: '{n} непрочитанное сообщение',
    few: '{n} непрочитанных сообщения',
    many: '{n} непрочитанных сообщений',
    other: '{n} непрочитанного сообщения',
  },
  'ticket.itemLabel': '{title}, обращение {id}, {time}',
  'ticket.you': 'Вы',
  'ticket.manager': 'Менеджер',
  'ticket.managerN': 'менеджер №{id}',
  'ticket.unassigned': 'не назначено',
  'ticket.assignedTo': 'Ведёт {name}',
  'ticket.assignedToYou': 'Ведёте вы',
  'ticket.resolved': 'Решено',
  'ticket.open': 'Открыто',
  'ticket.opened': 'открыто {time}',
  'ticket.blocked': 'Бот заблокирован',
  'ticket.blockedTitle': 'Пользователь заблокировал бота: ответы не дойдут, пока он не напишет снова.',
  'contact.open': 'Данные контакта',
  'contact.title': 'Контакт',
  'contact.close': 'Закрыть',
  'contact.username': 'Имя пользователя',
  'contact.telegramId': 'ID в Telegram',
  'contact.language': 'Язык',
  'contact.unknown': 'неизвестен',
  'contact.premium': 'Telegram Premium',
  'contact.yes': 'Да',
  'contact.no': 'Нет',
  'contact.bot': 'Статус',
  'contact.active': 'Получает ответы',
  'contact.openTelegram': 'Открыть в Telegram',
  'contact.history': 'Обращения пользователя',
  'contact.historyLoading': 'Загружаем обращения…',
  'contact.historyError': 'Не удалось загрузить обращения: {detail}',
  'contact.historyEmpty': 'Обращений нет.',
  'contact.current': 'это обращение',
  'chat.region': 'Переписка',
  'chat.none': 'Выберите обращение, чтобы увидеть переписку.',
  'chat.back': 'К списку обращений',
  'chat.messages': 'Сообщения',
  'chat.older': 'Показать более ранние',
  'chat.olderLoading': 'Загрузка…',
  'chat.start': 'Это начало переписки.',
  'chat.jump': 'Новые сообщения ↓',
  'chat.reply': 'Ответ',
  'chat.placeholder': 'Напишите ответ…',
  'chat.send': 'Отправить',
  'chat.hint': 'Enter — отправить · Shift+Enter — новая строка',
  'chat.hintOffline': 'Нет связи: ответы отправляются по HTTP.',
  'chat.tooLong': '{n} / 4096',
  'chat.loading': 'Загружаем сообщения…',
  'chat.loadError': 'Не удалось загрузить сообщения: {detail}',
  'chat.empty': 'Сообщений пока нет.',
  'chat.sending': 'Отправка…',
  'chat.failed': 'Не отправлено.',
  'chat.retry': 'Повторить',
  'chat.discard': 'Удалить',
  'chat.new': 'Новое',
  'chat.today': 'Сегодня',
  'chat.yesterday': 'Вчера',
  'chat.unassignedBanner': 'Обращение пока никто не ведёт. Возьмите его, чтобы ответить.',
  'chat.otherBanner': 'Обращение ведёт {name}. Заберите его, чтобы ответить.',
  'chat.resolvedBanner': 'Обращение решено. Откройте его снова, чтобы ответить.',
  'chat.blockedBanner': 'Пользователь заблокировал бота. Ответы не будут доставлены, пока он не напишет снова.',
  'delivery.pending': 'Отправка…',
  'delivery.waiting': 'Ждёт бота',
  'delivery.pendingTitle': 'Ждём, пока бот доставит сообщение в Telegram',
  'delivery.attempts': 'Ждём, пока бот доставит сообщение в Telegram (попыток: {n})',
  'delivery.sent': 'Доставлено',
  'delivery.sentAt': 'Доставлено в Telegram {time}',
  'delivery.failed': 'Не доставлено: {reason}',
  'delivery.failedBare': 'Не доставлено',
  'delivery.retrying': 'Повторяем…',
  'delivery.previewFailed': 'Последний ответ не доставлен',
  'action.assign': 'Взять себе',
  'action.takeOver': 'Забрать',
  'action.resolve': 'Завершить',
  'action.reopen': 'Открыть снова',
  'action.needsSocket': 'Нужно активное соединение',
  'dialog.cancel': 'Отмена',
  'dialog.takeOverTitle': 'Забрать обращение?',
  'dialog.takeOverText': '«{title}» ведёт {name}. Он перестанет получать сообщения этого обращения.',
  'dialog.raceText': 'Другой менеджер только что взял «{title}». Всё равно забрать?',
  'toast.assigned': 'Обращение №{id} теперь ваше.',
  'toast.takenBy': 'Обращение №{id} забрал {name}.',
  'toast.created': 'Новое обращение №{id}: {title}',
  'toast.resolved': 'Обращение №{id} решено.',
  'toast.reopened': 'Обращение №{id} открыто снова.',
  'toast.error': 'Ошибка: {detail}',
  'toast.sessionExpired': 'Сессия истекла. Войдите снова.',
  'toast.reloadFailed': 'Не удалось обновить списки: {detail}',
  'error.network': 'ошибка сети',
  'error.server': 'ошибка сервера ({status})',
  'error.forbidden': 'нет доступа',
  'att.kind.photo': 'Фото',
  'att.kind.document': 'Документ',
  'att.kind.video': 'Видео',
  'att.kind.animation': 'GIF-анимация',
  'att.kind.voice': 'Голосовое сообщение',
  'att.kind.audio': 'Аудио',
  'att.kind.video_note': 'Видеосообщение',
  'att.kind.sticker': 'Стикер',
  'att.kind.location': 'Геопозиция',
  'att.kind.contact': 'Контакт',
  'att.kind.file': 'Файл',
  'att.preview': '📎 {label}',
  'att.preview.some': 'Вложение',
  'att.preview.photos': { one: '{n} фото', few: '{n} фото', many: '{n} фото', other: '{n} фото' },
  'att.preview.files': { one: '{n} файл', few: '{n} файла', many: '{n} файлов', other: '{n} файла' },
  'att.unsupported': 'Неподдерживаемое вложение: {kind}',
  'att.unavailable': 'Файл недоступен: {name}',
  'att.broken': 'Не удалось загрузить изображение: {name}',
  'att.openImage': 'Открыть изображение {name}',
  'att.download': 'Скачать {name}',
  'att.location': 'Геопозиция: {lat}, {lon}',
  'att.map': 'Открыть карту',
  'att.list': 'Вложения',
  'lightbox.label': 'Просмотр изображения',
  'lightbox.close': 'Закрыть',
  'lightbox.original': 'Открыть оригинал',
  'size.B': '{n} Б',
  'size.KB': '{n} КБ',
  'size.MB': '{n} МБ',
  'size.GB': '{n} ГБ',
  'size.TB': '{n} ТБ',
  'upload.attach': 'Прикрепить файлы',
  'upload.drop': 'Отпустите файлы, чтобы прикрепить их',
  'upload.list': 'Файлы к отправке',
  'upload.remove': 'Убрать {name}',
  'upload.cancel': 'Отменить загрузку {name}',
  'upload.progress': 'Загрузка, {percent}%',
  'upload.ready': 'Готово к отправке',
  'upload.empty': 'Файл {name} пуст.',
  'upload.tooBig': 'Размер {name} — {size}, а можно не больше {limit}.',
  'upload.tooMany': {
    one: '{name} не прикреплён: в одном сообщении не больше {n} файла.',
    few: '{name} не прикреплён: в одном сообщении не больше {n} файлов.',
    many: '{name} не прикреплён: в одном сообщении не больше {n} файлов.',
    other: '{name} не прикреплён: в одном сообщении не больше {n} файла.',
  },
  'upload.tooBigServer': 'Файл слишком велик для сервера.',
  'upload.failed': 'Не загружено: {detail}',
  'upload.wait': 'Дождитесь окончания загрузки файлов.',
  'upload.cantAttach': 'Сейчас к этому обращению нельзя прикреплять файлы.',
  'time.now': 'сейчас',
  // notes, canned replies, typing
  'note.modes': 'Ответ или заметка',
  'note.modeReply': 'Ответ',
  'note.modeNote': 'Заметка',
  'note.add': 'Заметка',
  'note.addTitle': 'Написать заметку для команды',
  'note.label': 'Заметка',
  'note.placeholder': 'Напишите заметку для команды…',
  'note.hint': 'Заметки видит только ваша команда · Enter — сохранить',
  'note.send': 'Сохранить заметку',
  'note.tooLong': '{n} / 10000',
  'note.showMore': 'Показать полностью',
  'note.showLess': 'Свернуть',
  'note.failed': 'Заметка не сохранена: {detail}',
  'note.loadError': 'Не удалось загрузить заметки: {detail}',
  'note.replyOnlyHolder': 'Отвечать может только менеджер, который ведёт обращение',
  'canned.open': 'Шаблоны',
  'canned.title': 'Шаблоны ответов',
  'canned.close': 'Закрыть',
  'canned.new': 'Новый шаблон',
  'canned.editTitle': 'Изменить шаблон',
  'canned.fieldTitle': 'Название',
  'canned.fieldText': 'Текст',
  'canned.variables': 'Переменные: {first_name} {last_name} {username} {name} {ticket_id} {manager_name}',
  'canned.cancel': 'Отмена',
  'canned.save': 'Сохранить',
  'canned.saving': 'Сохранение…',
  'canned.saved': 'Шаблон сохранён.',
  'canned.deleted': 'Шаблон удалён.',
  'canned.error': 'Не сохранено: {detail}',
  'canned.edit': 'Изменить',
  'canned.delete': 'Удалить',
  'canned.deleteTitle': 'Удалить шаблон?',
  'canned.deleteText': '«{title}» пропадёт у всей команды.',
  'canned.empty': 'Шаблонов пока нет. Добавьте их через «Шаблоны» вверху.',
  'canned.loadError': 'Не удалось загрузить шаблоны: {detail}',
  'canned.noMatch': 'Нет шаблонов для «{query}».',
  'canned.pickerHint': '↑↓ выбрать · Enter вставить · Esc закрыть',
  'canned.pickerLabel': 'Шаблоны ответов',
  'canned.titleMissing': 'Введите название.',
  'canned.titleTooLong': 'Название длиннее 100 символов.',
  'canned.textMissing': 'Введите текст.',
  'canned.textTooLong': 'Текст длиннее 4096 символов.',
  'typing.one': '{name} печатает…',
  'typing.two': '{a} и {b} печатают…',
  'typing.many': 'Печатают несколько менеджеров…',
  'typing.short': 'печатает…',
  // views, search, attention, keyboard
  'lists.open': 'Открытые',
  'lists.others': 'Чужие',
  'lists.title.open': 'Все открытые обращения',
  'lists.title.unassigned': 'Открытые обращения, которые ещё никто не взял',
  'lists.title.mine': 'Открытые обращения, которые ведёте вы',
  'lists.title.others': 'Открытые обращения, которые ведут другие менеджеры',
  'lists.title.resolved': 'Решённые обращения',
  'lists.empty.open': 'Открытых обращений нет.',
  'lists.empty.others': 'У других менеджеров нет обращений.',
  'search.label': 'Поиск обращений',
  'search.placeholder': 'Поиск: имя, @username, #номер, слова…',
  'search.clear': 'Очистить поиск',
  'search.none': 'Ничего не найдено по запросу «{text}».',
  'search.loading': 'Поиск…',
  'sort.label': 'Порядок',
  'sort.activity': 'Сначала свежие',
  'sort.waiting': 'Дольше всех ждут',
  'attention.settings': 'Оповещения',
  'attention.notify': 'Уведомления браузера',
  'attention.sound': 'Звук',
  'attention.about': 'О новых обращениях и о новых сообщениях в ваших обращениях.',
  'attention.unsupported': 'Этот браузер не умеет показывать уведомления.',
  'attention.denied': 'Уведомления для этого сайта запрещены в настройках браузера.',
  'attention.newTicket': 'Новое обращение #{id}',
  'attention.newMessage': '#{id} {name}',
  'keys.open': 'Горячие клавиши (?)',
  'keys.title': 'Горячие клавиши',
  'keys.close': 'Закрыть',
  'keys.note': 'Пока вы печатаете в поле, клавиши не действуют, кроме Escape.',
  'keys.or': 'или',
  'keys.enterKey': 'Enter',
  'keys.escapeKey': 'Esc',
  'keys.next': 'Следующее обращение в списке',
  'keys.prev': 'Предыдущее обращение в списке',
  'keys.assign': 'Взять открытое обращение себе',
  'keys.resolve': 'Решить или переоткрыть открытое обращение',
  'keys.compose': 'Написать ответ',
  'keys.search': 'Поиск обращений',
  'keys.help': 'Показать эту справку',
  'keys.escape': 'Закрыть окно или меню; в поле поиска — закончить поиск',
};

const DICTS = { en, ru };

let current = initialLang();
const listeners = new Set();

function initialLang() {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (LANGS.includes(saved)) return saved;
  } catch {
    // Storage may be disabled; fall back to the browser's language.
  }
  const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
  for (const tag of langs) {
    const base = String(tag).toLowerCase().split('-')[0];
    if (LANGS.includes(base)) return base;
  }
  return 'en';
}

/** The current language code. */
export function lang() {
  return current;
}

/** Switches the language, remembers it and notifies the listeners. */
export function setLang(code) {
  if (!LANGS.includes(code) || code === current) return;
  current = code;
  try {
    localStorage.setItem(STORAGE_KEY, code);
  } catch {
    // Not persisted; the switch still applies to this page.
  }
  document.documentElement.lang = code;
  for (const listener of listeners) listener(code);
}

/** Calls `listener(code)` after every language switch. */
export function onLangChange(listener) {
  listeners.add(listener);
}

function fill(template, params) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in params ? String(params[key]) : whole));
}

/** The text for `key` in the current language, with `{name}` placeholders filled from `params`. */
export function t(key, params = {}) {
  let entry = DICTS[current][key] ?? en[key];
  if (entry === undefined) return key;
  if (typeof entry === 'object') {
    const form = new Intl.PluralRules(current).select(Number(params.n ?? 0));
    entry = entry[form] ?? entry.other;
  }
  return fill(entry, params);
}

/**
 * Fills the static texts below `root`: `data-i18n="key"` sets the text content,
 * `data-i18n-attr="attr:key;attr:key"` sets attributes.
 */
export function applyStatic(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) {
    el.textContent = t(el.dataset.i18n);
  }
  for (const el of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      if (attr && key) el.setAttribute(attr.trim(), t(key.trim()));
    }
  }
  for (const btn of root.querySelectorAll('.lang-btn')) {
    btn.setAttribute('aria-pressed', String(btn.dataset.lang === current));
  }
}

// ---- Time -------------------------------------------------------------------------------------

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

/** `14:05` for a message bubble. */
export function formatClock(value) {
  const d = parseTime(value);
  if (!d) return '';
  return new Intl.DateTimeFormat(current, { hour: '2-digit', minute: '2-digit' }).format(d);
}

/** The full date and time, for tooltips and screen readers. */
export function formatFull(value) {
  const d = parseTime(value);
  if (!d) return '';
  return new Intl.DateTimeFormat(current, { dateStyle: 'long', timeStyle: 'short' }).format(d);
}

/** `Today`, `Yesterday` or a date, for the separators between days of messages. */
export function formatDay(value) {
  const d = parseTime(value);
  if (!d) return '';
  const now = new Date();
  if (sameDay(d, now)) return t('chat.today');
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(d, yesterday)) return t('chat.yesterday');
  const opts = { day: 'numeric', month: 'long' };
  if (d.getFullYear() !== now.getFullYear()) opts.year = 'numeric';
  return new Intl.DateTimeFormat(current, opts).format(d);
}

/** A short time for the ticket lists: `now`, `5 min ago`, `14:05`, `12 Mar`, `12.03.2023`. */
export function formatShort(value, now = new Date()) {
  const d = parseTime(value);
  if (!d) return '';
  const seconds = Math.round((now - d) / 1000);
  if (seconds < 45) return t('time.now');
  if (seconds < 3600) {
    return new Intl.RelativeTimeFormat(current, { numeric: 'auto', style: 'short' }).format(
      -Math.max(1, Math.round(seconds / 60)),
      'minute',
    );
  }
  if (sameDay(d, now)) return formatClock(value);
  if (d.getFullYear() === now.getFullYear()) {
    return new Intl.DateTimeFormat(current, { day: 'numeric', month: 'short' }).format(d);
  }
  return new Intl.DateTimeFormat(current, { dateStyle: 'short' }).format(d);
}

document.documentElement.lang = current;
