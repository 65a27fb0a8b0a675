<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name></name>
    <message>
        <source>Registered</source>
        <translation type="obsolete">已立案</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation type="obsolete">已结案</translation>
    </message>
</context>
<context>
    <name>AckDialog</name>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="202"/>
        <source>Acknowledge alarm</source>
        <translation>确认报警</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="205"/>
        <source>What was done? (required)</source>
        <translation>采取了什么处置？（必填）</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="207"/>
        <source>e.g. called the driver; the route was closed</source>
        <translation>例如：已电话联系司机；该路段已封闭</translation>
    </message>
</context>
<context>
    <name>AlarmModel</name>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="137"/>
        <source>Level</source>
        <translation>级别</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="137"/>
        <source>Raised</source>
        <translation>报警时间</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="137"/>
        <source>Vehicle</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="137"/>
        <source>Alarm</source>
        <translation>报警</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="138"/>
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="138"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>AlarmPanel</name>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="244"/>
        <source>Acknowledge…</source>
        <translation>确认…</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="245"/>
        <source>Show vehicle</source>
        <translation>显示车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="246"/>
        <source>Show acknowledged</source>
        <translation>显示已确认</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/alarm_panel.py" line="281"/>
        <source>%n alarm(s) waiting for a person</source>
        <translation>
            <numerusform>%n 条报警待人工确认</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="339"/>
        <source>Not acknowledged: %1</source>
        <translation>未能确认：%1</translation>
    </message>
</context>
<context>
    <name>AlarmTexts</name>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="55"/>
        <source>Emergency button</source>
        <translation>紧急按钮报警</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="56"/>
        <source>Overspeed</source>
        <translation>超速</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="57"/>
        <source>Fatigue driving</source>
        <translation>疲劳驾驶</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="58"/>
        <source>Danger warning</source>
        <translation>危险预警</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="59"/>
        <source>Driving time exceeded</source>
        <translation>当天累计驾驶超时</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="60"/>
        <source>Parked too long (terminal)</source>
        <translation>超时停车（终端）</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="61"/>
        <source>Area in/out (terminal)</source>
        <translation>进出区域（终端）</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="62"/>
        <source>Route in/out (terminal)</source>
        <translation>进出路线（终端）</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="63"/>
        <source>Route deviation (terminal)</source>
        <translation>路线偏离（终端）</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="64"/>
        <source>Vehicle stolen</source>
        <translation>车辆被盗</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="65"/>
        <source>Illegal ignition</source>
        <translation>非法点火</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="66"/>
        <source>Illegal displacement</source>
        <translation>非法位移</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="67"/>
        <source>Collision</source>
        <translation>碰撞</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="68"/>
        <source>Door opened illegally</source>
        <translation>非法开门</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="69"/>
        <source>Left its approved route</source>
        <translation>偏离核准路线</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="70"/>
        <source>Entered a forbidden area</source>
        <translation>驶入禁行区域</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="71"/>
        <source>Parked longer than allowed</source>
        <translation>停车超时</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="75"/>
        <source>Critical</source>
        <translation>紧急</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="75"/>
        <source>Major</source>
        <translation>重要</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="76"/>
        <source>Minor</source>
        <translation>一般</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="84"/>
        <source>%1 m off the route</source>
        <translation>偏离路线 %1 米</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="86"/>
        <source>parked %1 min (limit %2)</source>
        <translation>已停 %1 分钟（上限 %2）</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="89"/>
        <source>reported late (back-filled)</source>
        <translation>补报（盲区补传）</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="94"/>
        <source>Acknowledged by %1 at %2: %3</source>
        <translation>%1 于 %2 确认：%3</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="98"/>
        <source>Acknowledged here, sending to the centre…</source>
        <translation>已在本机确认，正在发送至中心…</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="100"/>
        <source>Acknowledged, waiting for the centre&apos;s confirmation</source>
        <translation>已确认，等待中心回执</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="102"/>
        <source>The centre refused the acknowledgement: %1</source>
        <translation>中心拒绝了确认：%1</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="104"/>
        <source>Waiting for a person</source>
        <translation>待人工确认</translation>
    </message>
    <message>
        <location filename="../../app/views/alarm_panel.py" line="105"/>
        <source>Waiting for a person · still on</source>
        <translation>待人工确认 · 仍在持续</translation>
    </message>
</context>
<context>
    <name>CasePane</name>
    <message>
        <source>Fetching an attachment</source>
        <translation>获取附件</translation>
    </message>
    <message>
        <source>Sending an attachment</source>
        <translation>发送附件</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="129"/>
        <location filename="../../app/views/case_pane.py" line="323"/>
        <source>No case selected</source>
        <translation>未选择案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="143"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="143"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="145"/>
        <source>Cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="146"/>
        <source>Extensions / rework</source>
        <translation>延期 / 返工</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="147"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="147"/>
        <source>Hotline</source>
        <translation>热线工单</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="148"/>
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="171"/>
        <source>Reason or note for the next action</source>
        <translation>下一操作的原因或备注</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="196"/>
        <source>Attach file…</source>
        <translation>添加附件…</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="200"/>
        <source>Locate at map centre</source>
        <translation>定位到地图中心</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="227"/>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="227"/>
        <source>Stage</source>
        <translation>环节</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="227"/>
        <source>Operator</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="228"/>
        <source>Workstation</source>
        <translation>工作站</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="228"/>
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="236"/>
        <source>Add a note and press Enter</source>
        <translation>输入备注后按回车</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="249"/>
        <source>Attach file… (Ctrl+Shift+A)</source>
        <translation>添加附件… (Ctrl+Shift+A)</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="251"/>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="278"/>
        <source>Nearest vehicles</source>
        <translation>附近车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="526"/>
        <source>%1: done</source>
        <translation>%1：已完成</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="564"/>
        <source>(on the server)</source>
        <translation>（在服务器上）</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="568"/>
        <source>Attachments (%1)</source>
        <translation>附件（%1）</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="587"/>
        <source>Cannot show this picture</source>
        <translation>无法显示该图片</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="598"/>
        <source>Fetching %1…</source>
        <translation>正在获取 %1…</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="603"/>
        <source>%1 is here</source>
        <translation>%1 已获取</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="616"/>
        <source>Attach a photo or document</source>
        <translation>添加照片或文档</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="617"/>
        <source>Photos and documents (*.jpg *.jpeg *.png *.webp *.pdf)</source>
        <translation>照片和文档 (*.jpg *.jpeg *.png *.webp *.pdf)</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="625"/>
        <source>Sending %1…</source>
        <translation>正在上传 %1…</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="628"/>
        <source>%1 attached</source>
        <translation>%1 已上传</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="145"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="77"/>
        <source>%1 d %2 h</source>
        <translation>%1 天 %2 小时</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="80"/>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="82"/>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="144"/>
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="144"/>
        <source>Deadline</source>
        <translation>处置时限</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="146"/>
        <source>Numbers</source>
        <translation>案卷号</translation>
    </message>
    <message>
        <source>Dispatch (Ctrl+D)</source>
        <translation type="vanished">派遣 (Ctrl+D)</translation>
    </message>
    <message>
        <source>Close case (Ctrl+K)</source>
        <translation type="vanished">结案 (Ctrl+K)</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="262"/>
        <source>Timeline</source>
        <translation>办理过程</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="263"/>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="264"/>
        <source>Attachments</source>
        <translation>附件</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/case_pane.py" line="336"/>
        <source>(%n command(s) waiting for the server)</source>
        <translation>
            <numerusform>（%n 条指令待服务器确认）</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="345"/>
        <source>Suggested: %1</source>
        <translation>建议派往：%1</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="362"/>
        <source>not classified yet</source>
        <translation>尚未分类</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="363"/>
        <source>not located yet</source>
        <translation>尚未定位</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="371"/>
        <source>clock stopped, %1 left</source>
        <translation>计时暂停，剩余 %1</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="376"/>
        <source>%1 extension(s), %2 rework(s)</source>
        <translation>延期 %1 次，返工 %2 次</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="379"/>
        <source>escalated ×%1</source>
        <translation>督办 ×%1</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="384"/>
        <location filename="../../app/views/case_pane.py" line="422"/>
        <source>due %1</source>
        <translation>时限 %1</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="403"/>
        <source>[waiting for server]</source>
        <translation>[待服务器确认]</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="424"/>
        <source>%1 left</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="428"/>
        <source>level %1</source>
        <translation>第 %1 次</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="449"/>
        <source>clock stopped</source>
        <translation>计时暂停</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="455"/>
        <source>due in %1</source>
        <translation>剩余 %1</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="455"/>
        <source>overdue by %1</source>
        <translation>已超期 %1</translation>
    </message>
    <message>
        <location filename="../../app/views/case_pane.py" line="467"/>
        <location filename="../../app/views/case_pane.py" line="496"/>
        <source>Select a case first</source>
        <translation>请先选择案卷</translation>
    </message>
</context>
<context>
    <name>CaseQueueModel</name>
    <message>
        <source>Counting the queue</source>
        <translation>统计案卷队列</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="108"/>
        <source>Number</source>
        <translation>案卷号</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="109"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>Cell</source>
        <translation type="vanished">网格</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="101"/>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="103"/>
        <source>d</source>
        <comment>days in a countdown: 2d 04:30</comment>
        <translation>天</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="109"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="110"/>
        <source>Street</source>
        <translation>街道</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="110"/>
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="108"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="111"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="111"/>
        <source>Registered</source>
        <translation>立案时间</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="108"/>
        <source>Time left</source>
        <translation>剩余时间</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_model.py" line="102"/>
        <source>overdue %1</source>
        <translation>超期 %1</translation>
    </message>
</context>
<context>
    <name>CentreStatusBar</name>
    <message>
        <location filename="../../app/views/status.py" line="54"/>
        <source>Connecting…</source>
        <translation>正在连接…</translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="57"/>
        <source>● Online since %1</source>
        <translation>● 在线（自 %1）</translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="60"/>
        <source>● Server error: %1</source>
        <translation>● 服务器错误：%1</translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="64"/>
        <source>● OFFLINE since %1 (%2) — working on the local store</source>
        <translation>● 离线（自 %1，已 %2）— 正在使用本地数据</translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="68"/>
        <source>Last sync %1</source>
        <translation>最近同步 %1</translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="71"/>
        <source>building the queue&apos;s indexes…</source>
        <translation>正在建立案卷队列索引…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/status.py" line="75"/>
        <source>%n command(s) waiting</source>
        <translation>
            <numerusform>%n 条指令待发送</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/status.py" line="77"/>
        <source>%n rejected</source>
        <translation>
            <numerusform>%n 条被拒绝</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../app/views/status.py" line="80"/>
        <source>Open %1 · overdue %2</source>
        <translation>在办 %1 · 超期 %2</translation>
    </message>
</context>
<context>
    <name>CommandBar</name>
    <message>
        <location filename="../../app/views/command_bar.py" line="56"/>
        <source>Command (Ctrl+L): dispatch 2026112100012 D-SAN · return N reason · extend N 2h reason · close N</source>
        <translation>指令 (Ctrl+L)：派 2026112100012 环卫 · 退 案卷号 原因 · 延 案卷号 2h 原因 · 结 案卷号</translation>
    </message>
    <message>
        <location filename="../../app/views/command_bar.py" line="69"/>
        <source>Command</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../../app/views/command_bar.py" line="108"/>
        <source>Case %1</source>
        <translation>案卷 %1</translation>
    </message>
    <message>
        <location filename="../../app/views/command_bar.py" line="111"/>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../../app/views/command_bar.py" line="135"/>
        <source>Categories and calendar updated from the server: %1</source>
        <translation>已从服务器更新类别和工作日历：%1</translation>
    </message>
    <message>
        <location filename="../../app/views/command_bar.py" line="147"/>
        <source>The official holidays of %1 are not known yet: deadlines count weekends and fixed holidays only. Update resources/calendar.json.</source>
        <translation>%1 年的法定节假日安排尚未公布：时限仅按周末和固定节日计算。请更新 resources/calendar.json。</translation>
    </message>
    <message>
        <source>That point is not in any grid cell of the district</source>
        <translation type="vanished">该位置不在本区任何单元网格内</translation>
    </message>
    <message>
        <location filename="../../app/views/command_bar.py" line="192"/>
        <location filename="../../app/views/command_bar.py" line="198"/>
        <source>Command bar</source>
        <translation>指令栏</translation>
    </message>
</context>
<context>
    <name>ConflictCard</name>
    <message>
        <location filename="../../app/views/conflicts.py" line="50"/>
        <source>Already %1 by %2 at %3 from workstation %4</source>
        <translation>%1（%2 于 %3 在工作站 %4 操作）</translation>
    </message>
    <message>
        <location filename="../../app/views/conflicts.py" line="69"/>
        <source>%1 of case %2 was rejected</source>
        <translation>案卷 %2 的“%1”被服务器拒绝</translation>
    </message>
    <message>
        <location filename="../../app/views/conflicts.py" line="78"/>
        <source>This workstation asked: %1, at %2 by %3 on %4. The case now shows the server&apos;s version; nothing was lost.</source>
        <translation>本工作站的操作：%1，%2 由 %3 在 %4 发出。案卷现显示服务器上的版本，没有丢失任何数据。</translation>
    </message>
    <message>
        <location filename="../../app/views/conflicts.py" line="86"/>
        <source>Show case</source>
        <translation>查看案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/conflicts.py" line="87"/>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../app/views/conflicts.py" line="88"/>
        <source>Discard…</source>
        <translation>放弃…</translation>
    </message>
    <message>
        <location filename="../../app/views/conflicts.py" line="89"/>
        <source>Acknowledge</source>
        <translation>知悉</translation>
    </message>
</context>
<context>
    <name>ConflictPanel</name>
    <message>
        <location filename="../../app/views/conflicts.py" line="111"/>
        <source>No conflicts: every command this workstation sent was accepted or is waiting.</source>
        <translation>没有冲突：本工作站发出的指令均已被接受或正在等待发送。</translation>
    </message>
</context>
<context>
    <name>DutyReport</name>
    <message>
        <location filename="../../app/views/duty_report.py" line="40"/>
        <source>Daily duty report</source>
        <translation>值班日报</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="41"/>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="42"/>
        <source>Prepared by</source>
        <translation>填报人</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="43"/>
        <source>Generated</source>
        <translation>生成时间</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="44"/>
        <source>At a glance</source>
        <translation>概况</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="45"/>
        <source>Registered</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="46"/>
        <source>Dispatched</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="47"/>
        <source>Handled</source>
        <translation>处置反馈</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="48"/>
        <source>Closed</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="49"/>
        <source>Open now</source>
        <translation>当前在办</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="50"/>
        <source>Overdue now</source>
        <translation>当前超期</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="51"/>
        <source>Escalated</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="52"/>
        <source>Actions taken</source>
        <translation>当日操作</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="53"/>
        <source>No actions recorded</source>
        <translation>无操作记录</translation>
    </message>
    <message>
        <source>Indicators of the cases registered this day</source>
        <translation type="vanished">当日立案案卷考核指标</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="59"/>
        <source>Closure rate</source>
        <translation>结案率</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="60"/>
        <source>On-time closure</source>
        <translation>按期结案率</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="61"/>
        <source>On-time handling</source>
        <translation>按期处置率</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="62"/>
        <source>Rework</source>
        <translation>返工率</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="63"/>
        <source>Composite</source>
        <translation>综合指标值</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="56"/>
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="64"/>
        <source>Due to close</source>
        <translation>应结案数</translation>
    </message>
    <message>
        <source>Overdue open</source>
        <translation type="vanished">超期未结</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="55"/>
        <source>Not dispatched</source>
        <translation>未派遣</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="58"/>
        <source>This month so far</source>
        <translation>本月累计</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="65"/>
        <source>Overdue cases, longest first</source>
        <translation>超期案卷（超期最久在前）</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="66"/>
        <source>Number</source>
        <translation>案卷编号</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="67"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="68"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="69"/>
        <source>Deadline</source>
        <translation>处置时限</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="70"/>
        <source>Escalation</source>
        <translation>督办级别</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="57"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="54"/>
        <source>Departments: the day and where their cases stand</source>
        <translation>各部门当日工作及在办情况</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="71"/>
        <source>Escalated this day</source>
        <translation>当日督办</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="72"/>
        <source>Shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../app/views/duty_report.py" line="73"/>
        <source>Handed over to</source>
        <translation>接班人</translation>
    </message>
</context>
<context>
    <name>EvaluationTableModel</name>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="73"/>
        <source>Code</source>
        <translation>编码</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="74"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="75"/>
        <source>Registered</source>
        <translation>立案数</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="76"/>
        <source>Due to close</source>
        <translation>应结案数</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="77"/>
        <source>Closed</source>
        <translation>结案数</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="78"/>
        <source>Closed on time</source>
        <translation>按期结案数</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="79"/>
        <source>Closure rate</source>
        <translation>结案率</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="80"/>
        <source>On-time closure</source>
        <translation>按期结案率</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="81"/>
        <source>Due to handle</source>
        <translation>应处置数</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="82"/>
        <source>Handled on time</source>
        <translation>按期处置数</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="83"/>
        <source>On-time handling</source>
        <translation>按期处置率</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="84"/>
        <source>Rework rate</source>
        <translation>返工率</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="85"/>
        <source>Extension rate</source>
        <translation>延期率</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="86"/>
        <source>First-time completion</source>
        <translation>一次完成率</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="87"/>
        <source>Composite</source>
        <translation>综合指标值</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="88"/>
        <source>Dispatched on time</source>
        <translation>按时派遣率</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="89"/>
        <source>Misdispatch rate</source>
        <translation>误派率</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="90"/>
        <source>Overdue open</source>
        <translation>超期未结数</translation>
    </message>
</context>
<context>
    <name>EvaluationWindow</name>
    <message>
        <source>Evaluation</source>
        <translation>考核评价</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="158"/>
        <source>Evaluation — GridDesk</source>
        <translation>考核评价 — 网格指挥台</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="166"/>
        <source>Day</source>
        <translation>日</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="166"/>
        <source>Week</source>
        <translation>周</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="167"/>
        <source>Month</source>
        <translation>月</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="167"/>
        <source>Quarter</source>
        <translation>季度</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="175"/>
        <source>Previous period</source>
        <translation>上一期</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="176"/>
        <source>Next period</source>
        <translation>下一期</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="178"/>
        <source>By department</source>
        <translation>按处置部门</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="178"/>
        <source>By street</source>
        <translation>按街道</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="179"/>
        <source>By grid cell</source>
        <translation>按单元网格</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="179"/>
        <source>By dispatcher</source>
        <translation>按派遣员</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="180"/>
        <source>By acceptor</source>
        <translation>按受理员</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="184"/>
        <source>Weight of on-time handling</source>
        <translation>按期处置率权重</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="185"/>
        <source>Weight of closure</source>
        <translation>结案率权重</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="186"/>
        <source>Weight of (1 − rework rate)</source>
        <translation>（1 − 返工率）权重</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="193"/>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="194"/>
        <source>Export XLSX…</source>
        <translation>导出 Excel…</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="195"/>
        <source>Duty report (PDF)…</source>
        <translation>值班日报（PDF）…</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="206"/>
        <source>Weights:</source>
        <translation>权重：</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="236"/>
        <source>Composite score (best first)</source>
        <translation>综合指标值（由高到低）</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="237"/>
        <source>Cases of the period by day: registered (bars), closed (line)</source>
        <translation>本期案卷逐日：立案（柱）、结案（线）</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="294"/>
        <source>Computing…</source>
        <translation>计算中…</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="308"/>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="308"/>
        <source>(none)</source>
        <translation>（无）</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="314"/>
        <source>%1 · %2 · figures as of %3</source>
        <translation>%1 · %2 · 数据截至 %3</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="319"/>
        <source>Registered %1, due to close %2, closed %3 (on time %4). Closure rate %5, on-time closure %6, on-time handling %7, rework %8, extension %9, first-time completion %10, composite %11.</source>
        <translation>立案 %1 件，应结案 %2 件，结案 %3 件（按期 %4 件）。结案率 %5，按期结案率 %6，按期处置率 %7，返工率 %8，延期率 %9，一次完成率 %10，综合指标值 %11。</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="333"/>
        <source>Cannot evaluate: %1</source>
        <translation>无法计算：%1</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="354"/>
        <source>points (of %1)</source>
        <translation>分（满分 %1）</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="366"/>
        <source>Registered</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="368"/>
        <source>Closed</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="382"/>
        <source>Nothing to export yet</source>
        <translation>尚无可导出的数据</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="389"/>
        <source>Choose a .csv or .xlsx file</source>
        <translation>请选择 .csv 或 .xlsx 文件</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="403"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="409"/>
        <source>Duty report</source>
        <translation>值班日报</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="420"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="429"/>
        <source>Evaluation and duty report…</source>
        <translation>考核评价与值班日报…</translation>
    </message>
    <message>
        <location filename="../../app/views/evaluation_view.py" line="443"/>
        <source>&amp;Evaluation</source>
        <translation>考核(&amp;E)</translation>
    </message>
</context>
<context>
    <name>GeofenceDialog</name>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="315"/>
        <source>New geofence</source>
        <translation>新建电子围栏</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="326"/>
        <source>Forbidden area: alarm on entering</source>
        <translation>禁入区：驶入即报警</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="327"/>
        <source>Parking limit: alarm after N minutes parked</source>
        <translation>停车限时：停留超过 N 分钟报警</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="328"/>
        <source>Route corridor: alarm on leaving the route</source>
        <translation>路线走廊：驶离路线报警</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="332"/>
        <source>e.g. Building site on Dongsi North Street</source>
        <translation>例如：东四北大街工地</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="337"/>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="341"/>
        <source> m</source>
        <translation> 米</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="342"/>
        <source>How far from the route a vehicle may be before the alarm</source>
        <translation>车辆离路线多远以内不报警</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="354"/>
        <source>None ticked: every vehicle</source>
        <translation>都不勾选：适用于所有车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="358"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="359"/>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="360"/>
        <source>Covers</source>
        <translation>范围</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="361"/>
        <source>Longest stay</source>
        <translation>最长停留</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="362"/>
        <source>Allowed distance from the route</source>
        <translation>允许偏离路线距离</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="363"/>
        <source>Applies to</source>
        <translation>适用车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="374"/>
        <source>Only a shift leader, leader or administrator may define geofences: the centre will refuse a %1.</source>
        <translation>只有值班长、分管领导或管理员可以设置电子围栏：中心会拒绝%1的请求。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="384"/>
        <source>Save to the centre</source>
        <translation>保存到中心</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="387"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="388"/>
        <location filename="../../app/views/geofence_dialog.py" line="545"/>
        <source>Draw on the map again</source>
        <translation>在地图上重新绘制</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="460"/>
        <source>Give the geofence a name.</source>
        <translation>请为电子围栏填写名称。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="461"/>
        <source>The name is too long (at most %1 characters).</source>
        <translation>名称过长（最多 %1 个字符）。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="463"/>
        <source>Choose what the geofence covers.</source>
        <translation>请选择电子围栏的范围。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="464"/>
        <source>Draw the area on the map first (Draw on the map again).</source>
        <translation>请先在地图上绘制区域（“在地图上重新绘制”）。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="465"/>
        <source>The drawn area is too small: each side must be at least %1 m.</source>
        <translation>所画区域太小：每条边至少 %1 米。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="467"/>
        <source>No cell has its centre inside the drawn box: draw a bigger box or use the rectangle itself.</source>
        <translation>没有网格的中心在所画矩形内：请画大一些，或直接使用矩形。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="469"/>
        <source>More than %1 cells: use the rectangle itself.</source>
        <translation>超过 %1 个网格：请直接使用矩形。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="471"/>
        <source>Draw the route first: Draw the route on the map, click its points, then press Enter.</source>
        <translation>请先绘制路线：点“在地图上绘制路线”，依次点击路线各点，然后按回车。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="473"/>
        <source>The route is shorter than %1 m.</source>
        <translation>路线短于 %1 米。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="475"/>
        <source>The allowed distance from the route must be more than 0 m.</source>
        <translation>允许偏离路线距离必须大于 0 米。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="476"/>
        <source>The longest stay must be more than 0 minutes.</source>
        <translation>最长停留时间必须大于 0 分钟。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="496"/>
        <source>Saving to the centre…</source>
        <translation>正在保存到中心…</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="513"/>
        <source>The centre refused the geofence: %1. Nothing was saved.</source>
        <translation>中心拒绝了该电子围栏：%1。未保存任何内容。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="516"/>
        <source>The centre cannot be reached (%1). Nothing was saved; try again when it answers.</source>
        <translation>无法连接中心（%1）。未保存任何内容；请在中心恢复后重试。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="544"/>
        <source>Draw the route on the map</source>
        <translation>在地图上绘制路线</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="564"/>
        <source>The drawn rectangle (none yet)</source>
        <translation>所画矩形（尚未绘制）</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="566"/>
        <source>The drawn rectangle (%1 × %2 m)</source>
        <translation>所画矩形（%1 × %2 米）</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="569"/>
        <source>The cells in the rectangle (%1)</source>
        <translation>矩形内的网格（%1 个）</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="571"/>
        <source>The whole district</source>
        <translation>全区</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="574"/>
        <source>The clicked route (none yet)</source>
        <translation>点击绘制的路线（尚未绘制）</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="575"/>
        <source>The clicked route (%1 points, %2 m)</source>
        <translation>点击绘制的路线（%1 个点，%2 米）</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="578"/>
        <source>The rectangle&apos;s long centre line (none yet)</source>
        <translation>矩形长边方向的中线（尚未绘制）</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="580"/>
        <source>The rectangle&apos;s long centre line (%1 m)</source>
        <translation>矩形长边方向的中线（%1 米）</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="596"/>
        <source>Nothing drawn yet: use the button below to draw on the map.</source>
        <translation>尚未绘制：请用下方按钮在地图上绘制。</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="598"/>
        <source>Drawn on the map (yellow). Choose what it is and whom it binds, then save it to the centre.</source>
        <translation>已在地图上绘制（黄色）。请选择围栏类型和适用车辆，然后保存到中心。</translation>
    </message>
</context>
<context>
    <name>GeofenceDrawing</name>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="225"/>
        <source>Click at least two points of the route, then press Enter</source>
        <translation>请至少点击路线上的两个点，然后按回车</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="247"/>
        <source>Drag a box over the area on the map · Esc cancels</source>
        <translation>在地图上拖出矩形框住区域 · Esc 取消</translation>
    </message>
    <message>
        <location filename="../../app/views/geofence_dialog.py" line="248"/>
        <source>Click the route&apos;s points on the map (%1 so far) · Backspace takes one back · Enter finishes · Esc cancels</source>
        <translation>在地图上依次点击路线各点（已点 %1 个）· 退格键撤销一个 · 回车完成 · Esc 取消</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../app/views/labels.py" line="16"/>
        <source>Reported</source>
        <translation>已上报</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="17"/>
        <source>Verified</source>
        <translation>已核实</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="18"/>
        <source>Registered</source>
        <translation>已立案</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="19"/>
        <source>Cancelled</source>
        <translation>已作废</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="20"/>
        <source>Dispatched</source>
        <translation>已派遣</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="21"/>
        <source>Returned</source>
        <translation>已回退</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="22"/>
        <source>Handled</source>
        <translation>已处置</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="23"/>
        <source>Checked on site</source>
        <translation>已核查</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="24"/>
        <source>Deferred</source>
        <translation>已挂账</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="25"/>
        <source>Closed</source>
        <translation>已结案</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="31"/>
        <location filename="../../app/views/labels.py" line="49"/>
        <source>Field supervisor</source>
        <translation>监督员</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="32"/>
        <source>12345 hotline</source>
        <translation>12345热线</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="33"/>
        <source>Public report</source>
        <translation>公众举报</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="34"/>
        <source>Video / IoT alarm</source>
        <translation>视频/物联网告警</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="35"/>
        <source>Leader&apos;s assignment</source>
        <translation>领导交办</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="36"/>
        <source>Media</source>
        <translation>媒体曝光</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="37"/>
        <source>Command centre</source>
        <translation>指挥中心</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="43"/>
        <source>Acceptor</source>
        <translation>受理员</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="44"/>
        <source>Shift leader</source>
        <translation>值班长</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="45"/>
        <source>Leader</source>
        <translation>分管领导</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="46"/>
        <source>12345 platform</source>
        <translation>12345平台</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="47"/>
        <source>Dispatcher</source>
        <translation>派遣员</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="48"/>
        <source>Department</source>
        <translation>处置部门</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="50"/>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="56"/>
        <source>Report</source>
        <translation>上报</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="57"/>
        <source>Verify</source>
        <translation>核实</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="58"/>
        <source>Locate</source>
        <translation>定位</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="59"/>
        <source>Register</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="60"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="61"/>
        <source>Dispatch</source>
        <translation>派遣</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="62"/>
        <source>Re-dispatch</source>
        <translation>改派</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="63"/>
        <source>Return</source>
        <translation>回退</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="64"/>
        <source>Reject return</source>
        <translation>驳回回退</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="65"/>
        <source>Report handled</source>
        <translation>处置反馈</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="66"/>
        <source>On-site check</source>
        <translation>核查</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="67"/>
        <source>Rework</source>
        <translation>返工</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="68"/>
        <source>Close</source>
        <translation>结案</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="69"/>
        <source>Callback</source>
        <translation>回访</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="70"/>
        <source>Extend</source>
        <translation>延期</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="71"/>
        <source>Defer</source>
        <translation>挂账</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="72"/>
        <source>Resume</source>
        <translation>解除挂账</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="73"/>
        <source>Escalate</source>
        <translation>督办</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="74"/>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="75"/>
        <source>Attachment</source>
        <translation>附件</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="81"/>
        <source>Sweeper</source>
        <translation>扫路车</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="82"/>
        <source>Sprinkler</source>
        <translation>洒水车</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="83"/>
        <source>Muck truck</source>
        <translation>渣土车</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="84"/>
        <source>Patrol car</source>
        <translation>巡查车</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="91"/>
        <source>Rejected without a reason</source>
        <translation>被拒绝（未说明原因）</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="95"/>
        <source>Case {number} is already {status} (by {by} at {at} from {workstation})</source>
        <translation>案卷 {number} 已是“{status}”状态（{by} 于 {at} 在 {workstation} 操作）</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="111"/>
        <source>The case does not exist on the server</source>
        <translation>服务器上不存在该案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="100"/>
        <source>A {role} may not {action}</source>
        <translation>{role}无权执行“{action}”</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="112"/>
        <source>A reason is required</source>
        <translation>必须填写原因</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="113"/>
        <source>The department does not exist</source>
        <translation>该部门不存在</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="114"/>
        <source>The category does not exist</source>
        <translation>该类别不存在</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="115"/>
        <source>The grid cell does not exist</source>
        <translation>该单元网格不存在</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="116"/>
        <source>The location is not in the district</source>
        <translation>该位置不在本区内</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="117"/>
        <source>The case already exists</source>
        <translation>该案卷已存在</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="118"/>
        <source>A note needs text</source>
        <translation>备注不能为空</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="119"/>
        <source>The command was signed by another operator</source>
        <translation>该指令由其他操作员签发</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="120"/>
        <source>The command was malformed</source>
        <translation>指令格式错误</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="121"/>
        <source>Case {number} is not with your department</source>
        <translation>案卷 {number} 不在本部门办理</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="123"/>
        <source>A hotline case closes by its callback</source>
        <translation>热线案卷须经回访结案</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="125"/>
        <source>Only hotline cases get a callback</source>
        <translation>只有热线案卷需要回访</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="126"/>
        <source>A further extension needs a leader (already extended {count} time(s))</source>
        <translation>再次延期须分管领导批准（已延期 {count} 次）</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="128"/>
        <source>The case is already overdue: escalate it instead</source>
        <translation>案卷已超期，请改为督办</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="130"/>
        <source>Only an overdue case can be escalated</source>
        <translation>只有超期案卷才能督办</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="131"/>
        <source>The case has no deadline</source>
        <translation>该案卷没有处置时限</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="132"/>
        <source>Give the case a category and a place on the map first</source>
        <translation>请先确定案卷类别并在地图上定位</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="134"/>
        <source>The case is already with that department</source>
        <translation>案卷已在该部门办理</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="136"/>
        <source>An extension must be more than nothing and at most 30 working days</source>
        <translation>延期时长须大于零且不超过 30 个工作日</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="138"/>
        <source>The callback result must be satisfied, unsatisfied or unreachable</source>
        <translation>回访结果须为满意、不满意或联系不上</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="140"/>
        <source>The text is too long</source>
        <translation>文字过长</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="141"/>
        <source>A report needs a description or an address</source>
        <translation>上报须填写问题描述或地址</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="142"/>
        <source>A time is not valid</source>
        <translation>时间格式无效</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="143"/>
        <source>That hotline ticket already has a case</source>
        <translation>该热线工单已有对应案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="144"/>
        <source>The case source is not valid</source>
        <translation>案卷来源无效</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="150"/>
        <source>Satisfied</source>
        <translation>满意</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="151"/>
        <source>Not satisfied</source>
        <translation>不满意</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="152"/>
        <source>Caller unreachable</source>
        <translation>联系不上</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="158"/>
        <source>working hours</source>
        <translation>工作时</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="159"/>
        <source>working days</source>
        <translation>工作日</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="160"/>
        <source>hours</source>
        <translation>小时</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="167"/>
        <source>Type a command, e.g. dispatch 2026112100012 D-SAN</source>
        <translation>请输入指令，例如：派 2026112100012 环卫</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="169"/>
        <source>Unknown command: {word}</source>
        <translation>未知指令：{word}</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="170"/>
        <source>{verb} needs a case number</source>
        <translation>“{verb}”需要案卷号</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="171"/>
        <source>No case has the number {number}</source>
        <translation>没有案卷号为 {number} 的案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="172"/>
        <source>Not a duration: {token} (use e.g. 2h, 1d or 90m)</source>
        <translation>时长无效：{token}（例如 2h、1d 或 90m）</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="174"/>
        <source>Not a callback result: {token} (satisfied, unsatisfied or unreachable)</source>
        <translation>回访结果无效：{token}（满意、不满意或联系不上）</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="176"/>
        <source>No department matches {token}</source>
        <translation>没有与“{token}”匹配的部门</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="177"/>
        <source>{token} matches several departments: {matches}</source>
        <translation>“{token}”匹配多个部门：{matches}</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="179"/>
        <source>No suggestion for case {number}: name the department</source>
        <translation>案卷 {number} 无建议部门，请指定部门</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="181"/>
        <source>Select case {number} and click its place on the map</source>
        <translation>请选中案卷 {number} 并在地图上点击其位置</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="198"/>
        <source>The server cannot be reached; attachments need it</source>
        <translation>无法连接服务器，附件需要联网</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="200"/>
        <source>Not signed in to the server</source>
        <translation>尚未登录服务器</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="201"/>
        <source>The file is larger than 10 MB</source>
        <translation>文件超过 10 MB</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="202"/>
        <source>Only JPEG, PNG, WebP photos and PDF documents can be attached</source>
        <translation>只能添加 JPEG、PNG、WebP 照片和 PDF 文档</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="204"/>
        <source>The file&apos;s content does not match its type</source>
        <translation>文件内容与类型不符</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="206"/>
        <source>The file is empty</source>
        <translation>文件为空</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="207"/>
        <source>The file name is not usable</source>
        <translation>文件名不可用</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="208"/>
        <source>The file arrived damaged; try again</source>
        <translation>文件传输损坏，请重试</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="209"/>
        <source>The server does not have that file</source>
        <translation>服务器上没有该文件</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="210"/>
        <source>The file cannot be read</source>
        <translation>无法读取该文件</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="240"/>
        <source>The server cannot be reached</source>
        <translation>无法连接服务器</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="240"/>
        <source>The server did not answer in time</source>
        <translation>服务器未及时应答</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="240"/>
        <source>The server refused the sign-in of {user}: wrong user name or password</source>
        <translation>服务器拒绝了 {user} 的登录：用户名或密码错误</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="240"/>
        <source>The server cannot be reached, and {user} has not signed in on this workstation before with this password</source>
        <translation>无法连接服务器，且 {user} 此前未曾在本工作站用此密码登录</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="240"/>
        <source>The server answered {request} with error {status}</source>
        <translation>服务器对 {request} 返回错误 {status}</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="240"/>
        <source>The server&apos;s answer to {request} is not what this client expects</source>
        <translation>服务器对 {request} 的应答不符合本客户端的预期</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="240"/>
        <source>The server&apos;s snapshot could not be used; the change feed brings the data instead</source>
        <translation>无法使用服务器快照，改由变更流下载数据</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="240"/>
        <source>The centre refused the geofence: {detail}</source>
        <translation>中心拒绝了该电子围栏：{detail}</translation>
    </message>
    <message>
        <location filename="../../app/views/labels.py" line="240"/>
        <source>Unexpected error (see the log)</source>
        <translation>意外错误（详见日志）</translation>
    </message>
    <message>
        <source>Define geofences</source>
        <translation>定义电子围栏</translation>
    </message>
    <message>
        <source>The server&apos;s answer is not what this client expects</source>
        <translation>服务器的应答不符合本客户端的要求</translation>
    </message>
    <message>
        <source>The server could not do it</source>
        <translation>服务器未能完成该操作</translation>
    </message>
    <message>
        <source>Your role may not do this</source>
        <translation>您的角色无权执行此操作</translation>
    </message>
    <message>
        <source>The operation did not complete (error code {code})</source>
        <translation>操作未完成（错误代码：{code}）</translation>
    </message>
    <message>
        <source>The operation did not complete</source>
        <translation>操作未完成</translation>
    </message>
    <message>
        <source>the centre did not accept the request (error {status})</source>
        <translation>指挥中心未接受该请求（错误 {status}）</translation>
    </message>
    <message>
        <source>the geofence is not valid</source>
        <translation>电子围栏无效</translation>
    </message>
    <message>
        <source>a geofence needs a name</source>
        <translation>电子围栏需要名称</translation>
    </message>
    <message>
        <source>the kind of geofence is not known</source>
        <translation>电子围栏类型未知</translation>
    </message>
    <message>
        <source>a corridor needs a route of two or more points</source>
        <translation>线路走廊需要由两个或更多点组成的路线</translation>
    </message>
    <message>
        <source>a corridor needs a width above 0 m</source>
        <translation>线路走廊的宽度须大于 0 米</translation>
    </message>
    <message>
        <source>a corridor is a route, not an area</source>
        <translation>线路走廊是一条路线，而不是区域</translation>
    </message>
    <message>
        <source>this kind of geofence needs an area</source>
        <translation>此类电子围栏需要一个区域</translation>
    </message>
    <message>
        <source>a parking limit needs more than 0 minutes</source>
        <translation>停车时限须大于 0 分钟</translation>
    </message>
    <message>
        <source>an area needs three or more points</source>
        <translation>区域需要三个或更多点</translation>
    </message>
    <message>
        <source>a point is not a valid place ({lon}, {lat})</source>
        <translation>有一个点不是有效位置（{lon}, {lat}）</translation>
    </message>
    <message>
        <source>the shape of the geofence is not valid</source>
        <translation>电子围栏的形状无效</translation>
    </message>
    <message>
        <source>This rejection has already been handled</source>
        <translation>该驳回已被处理</translation>
    </message>
    <message>
        <source>This command can no longer be discarded</source>
        <translation>该指令已无法作废</translation>
    </message>
    <message>
        <source>This command has no rejection to acknowledge</source>
        <translation>该指令没有可确认的驳回</translation>
    </message>
    <message>
        <source>The command is not in the outbox</source>
        <translation>发件箱中没有该指令</translation>
    </message>
    <message>
        <source>Only a rejection nobody has handled can be retried</source>
        <translation>只有尚未处理的驳回才能重试</translation>
    </message>
    <message>
        <source>The note is too long</source>
        <translation>备注过长</translation>
    </message>
    <message>
        <source>This workstation does not know that alarm</source>
        <translation>本工作站没有该报警</translation>
    </message>
    <message>
        <source>The filter is not valid</source>
        <translation>筛选条件无效</translation>
    </message>
    <message>
        <source>Not a category: {value} (use a class such as E01 or a subclass such as E0102)</source>
        <translation>不是有效的类别：{value}（请使用大类如 E01 或小类如 E0102）</translation>
    </message>
    <message>
        <source>Not a street: {value} (a street code has 9 digits)</source>
        <translation>不是有效的街道：{value}（街道代码为 9 位数字）</translation>
    </message>
    <message>
        <source>The search text is longer than {limit} characters</source>
        <translation>搜索文字超过 {limit} 个字符</translation>
    </message>
    <message>
        <source>“Mine” needs a signed-in operator</source>
        <translation>“我的”需要已登录的操作员</translation>
    </message>
    <message>
        <source>The figures cannot be evaluated</source>
        <translation>无法对这些数据进行考核</translation>
    </message>
    <message>
        <source>A weight must be a number of 0 or more</source>
        <translation>权重必须是大于或等于 0 的数字</translation>
    </message>
    <message>
        <source>At least one weight must be above 0</source>
        <translation>至少要有一项权重大于 0</translation>
    </message>
    <message>
        <source>{day} has not begun yet</source>
        <translation>{day} 尚未开始</translation>
    </message>
    <message>
        <source>The file cannot be written: {file}</source>
        <translation>无法写入文件：{file}</translation>
    </message>
    <message>
        <source>The folder does not exist: {folder}</source>
        <translation>文件夹不存在：{folder}</translation>
    </message>
    <message>
        <source>Nothing to export yet</source>
        <translation>尚无可导出的数据</translation>
    </message>
    <message>
        <source>Choose a .csv or .xlsx file</source>
        <translation>请选择 .csv 或 .xlsx 文件</translation>
    </message>
    <message>
        <source>The local store cannot do this</source>
        <translation>本地数据库无法执行此操作</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <location filename="../../app/views/login_dialog.py" line="21"/>
        <source>GridDesk — sign in</source>
        <translation>网格指挥台 — 登录</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="38"/>
        <source>The server cannot be reached. An operator who signed in on this workstation before can unlock it offline; the server checks the password and every command when it is back.</source>
        <translation>无法连接服务器。曾在本工作站登录过的人员可离线解锁；服务器恢复后会重新核验密码和每一条指令。</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="42"/>
        <source>Can unlock offline: %1</source>
        <translation>可离线解锁：%1</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="44"/>
        <source>Nobody has signed in on this workstation yet: the first sign-in needs the server.</source>
        <translation>尚无人员在本工作站登录过：首次登录需要连接服务器。</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="49"/>
        <source>Server reachable</source>
        <translation>服务器连接正常</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="52"/>
        <source>Workstation</source>
        <translation>工作站</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="53"/>
        <source>User name</source>
        <translation>用户名</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="54"/>
        <source>Password</source>
        <translation>密码</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="57"/>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="57"/>
        <source>Unlock offline</source>
        <translation>离线解锁</translation>
    </message>
    <message>
        <location filename="../../app/views/login_dialog.py" line="58"/>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Background work</source>
        <translation>后台任务</translation>
    </message>
    <message>
        <source>%1 failed: %2</source>
        <translation>%1失败：%2</translation>
    </message>
    <message>
        <source>%1: %2 of %3</source>
        <translation>%1：%2/%3</translation>
    </message>
    <message>
        <source>%1: done</source>
        <translation>%1：完成</translation>
    </message>
    <message>
        <source>Reading the map's cases</source>
        <translation>读取地图案卷</translation>
    </message>
    <message>
        <source>Reading the vehicles</source>
        <translation>读取车辆位置</translation>
    </message>
    <message>
        <source>Reading the grid cells</source>
        <translation>读取单元网格</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="45"/>
        <source>GridDesk — District Command Centre</source>
        <translation>网格指挥台 — 区城市管理指挥中心</translation>
    </message>
    <message>
        <source>Rejected commands</source>
        <translation type="vanished">被拒绝的指令</translation>
    </message>
    <message>
        <source>Acknowledge selected</source>
        <translation type="vanished">确认已阅</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="104"/>
        <source>&amp;Case</source>
        <translation>案卷(&amp;C)</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="106"/>
        <source>Find case by number…</source>
        <translation>按案卷号查找…</translation>
    </message>
    <message>
        <source>Dispatch selected case</source>
        <translation type="vanished">派遣所选案卷</translation>
    </message>
    <message>
        <source>Close selected case</source>
        <translation type="vanished">所选案卷结案</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="107"/>
        <source>Register case at map centre…</source>
        <translation>在地图中心立案…</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="108"/>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="150"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="117"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="118"/>
        <source>Whole district</source>
        <translation>全区</translation>
    </message>
    <message numerus="yes">
        <source>The server rejected %n command(s): see Rejected commands</source>
        <translation type="vanished">
            <numerusform>服务器拒绝了 %n 条指令：请查看“被拒绝的指令”</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/main_window.py" line="152"/>
        <source>The server rejected %n command(s): see Conflicts</source>
        <translation>
            <numerusform>服务器拒绝了 %n 条指令：见“冲突”</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="218"/>
        <source>Not possible</source>
        <translation>无法执行</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="233"/>
        <source>That point is not in any grid cell of the district</source>
        <translation>该位置不在本区任何单元网格内</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="272"/>
        <source>Find case</source>
        <translation>查找案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="272"/>
        <source>Case number (official or provisional):</source>
        <translation>案卷号（正式或临时）：</translation>
    </message>
    <message>
        <location filename="../../app/views/main_window.py" line="277"/>
        <source>No case with number %1</source>
        <translation>没有案卷号为 %1 的案卷</translation>
    </message>
</context>
<context>
    <name>MapLayersBar</name>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="45"/>
        <source>Map layers</source>
        <translation>地图图层</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="48"/>
        <source>Basemap</source>
        <translation>底图</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="56"/>
        <source>Basemap opacity</source>
        <translation>底图不透明度</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="57"/>
        <source>Opacity</source>
        <translation>不透明度</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="60"/>
        <source>Add MBTiles…</source>
        <translation>添加离线底图…</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="61"/>
        <source>Add an offline basemap file (MBTiles)</source>
        <translation>添加离线底图文件（MBTiles）</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="64"/>
        <source>Tianditu key…</source>
        <translation>天地图密钥…</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="67"/>
        <source>Shade cells by</source>
        <translation>网格着色</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="82"/>
        <source>None</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="84"/>
        <source>Tianditu vector</source>
        <translation>天地图矢量</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="84"/>
        <source>Tianditu imagery</source>
        <translation>天地图影像</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="97"/>
        <source>Nothing</source>
        <translation>不着色</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="114"/>
        <source>Add an offline basemap</source>
        <translation>添加离线底图</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="115"/>
        <source>MBTiles files (*.mbtiles);;All files (*)</source>
        <translation>MBTiles 文件 (*.mbtiles);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="119"/>
        <source>As the file says (GCJ-02 if it does not)</source>
        <translation>按文件声明（未声明则按 GCJ-02）</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="119"/>
        <source>WGS-84 / CGCS2000 (Tianditu, GPS)</source>
        <translation>WGS-84 / CGCS2000（天地图、GPS）</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="120"/>
        <source>GCJ-02 (AMap, Tencent)</source>
        <translation>GCJ-02（高德、腾讯）</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="122"/>
        <source>Datum of the tiles</source>
        <translation>瓦片坐标系</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="123"/>
        <source>Which datum are the tiles drawn in? A wrong answer shifts the map by 100–700 m.</source>
        <translation>瓦片采用哪种坐标系？选错会使底图偏移 100–700 米。</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="133"/>
        <source>Tianditu key</source>
        <translation>天地图密钥</translation>
    </message>
    <message>
        <location filename="../../app/views/basemap_panel.py" line="134"/>
        <source>Your Tianditu key (console.tianditu.gov.cn), kept in this workstation&apos;s settings:</source>
        <translation>您的天地图密钥（console.tianditu.gov.cn），保存在本工作站的设置中：</translation>
    </message>
</context>
<context>
    <name>MapLayersController</name>
    <message>
        <source>Counting the map's figure</source>
        <translation>统计地图分级指标</translation>
    </message>
    <message>
        <source>Reading the vehicles in alarm</source>
        <translation>读取报警车辆</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="107"/>
        <source>The saved basemap is no longer available</source>
        <translation>已保存的底图不再可用</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="124"/>
        <source>%1 does not say its datum; it is drawn as GCJ-02</source>
        <translation>%1 未声明坐标系，按 GCJ-02 绘制</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="136"/>
        <source>© Tianditu</source>
        <translation>© 天地图</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="174"/>
        <source>Open cases</source>
        <translation>在办案卷</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="175"/>
        <source>Overdue cases</source>
        <translation>超期案卷</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="176"/>
        <source>Cases this month</source>
        <translation>本月案卷</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="222"/>
        <source>Basemap %1: the tile server cannot be reached; showing cached tiles</source>
        <translation>底图 %1：无法连接瓦片服务器，显示已缓存的瓦片</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="223"/>
        <source>Basemap %1: offline, and this area was never cached</source>
        <translation>底图 %1：处于离线状态，且此区域从未缓存</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="224"/>
        <source>Basemap %1: the tile server refused the request; check the key</source>
        <translation>底图 %1：瓦片服务器拒绝了请求，请检查密钥</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="225"/>
        <source>Basemap %1: the tile server answered with an error</source>
        <translation>底图 %1：瓦片服务器返回错误</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="226"/>
        <source>Basemap %1: the tile server did not send images; check the key and address</source>
        <translation>底图 %1：瓦片服务器未返回图片，请检查密钥和地址</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="227"/>
        <source>Basemap %1: a tile is damaged and is left out</source>
        <translation>底图 %1：有瓦片已损坏，已略过</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="229"/>
        <source>Basemap %1: tiles cannot be loaded</source>
        <translation>底图 %1：无法加载瓦片</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="234"/>
        <source>Basemap file %1 is missing; the map is shown without it</source>
        <translation>找不到底图文件 %1，地图将不带底图显示</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="235"/>
        <source>%1 is not an MBTiles file; the map is shown without it</source>
        <translation>%1 不是 MBTiles 文件，地图将不带底图显示</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="236"/>
        <source>Basemap file %1 is damaged; the map is shown without it</source>
        <translation>底图文件 %1 已损坏，地图将不带底图显示</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="237"/>
        <source>%1 holds tiles GridDesk cannot draw (PNG, JPEG or WebP only)</source>
        <translation>%1 中的瓦片无法绘制（仅支持 PNG、JPEG 或 WebP）</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="238"/>
        <source>Basemap file %1 holds no tiles</source>
        <translation>底图文件 %1 中没有瓦片</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="239"/>
        <source>Basemap file %1 declares an unknown datum</source>
        <translation>底图文件 %1 声明了未知的坐标系</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="240"/>
        <source>Tianditu needs a key: click “Tianditu key…” on the map bar</source>
        <translation>天地图需要密钥：请点击地图工具栏上的“天地图密钥…”</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="241"/>
        <source>Tile server %1 has no address in the settings</source>
        <translation>设置中没有瓦片服务器 %1 的地址</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="242"/>
        <source>Tile server %1 does not say its datum in the settings</source>
        <translation>设置中未声明瓦片服务器 %1 的坐标系</translation>
    </message>
    <message>
        <location filename="../../app/map/controller.py" line="244"/>
        <source>The basemap %1 cannot be shown</source>
        <translation>无法显示底图 %1</translation>
    </message>
</context>
<context>
    <name>NearestVehicles</name>
    <message>
        <location filename="../../app/views/nearest_vehicles.py" line="32"/>
        <location filename="../../app/views/nearest_vehicles.py" line="57"/>
        <location filename="../../app/views/nearest_vehicles.py" line="63"/>
        <source>Nearest vehicles</source>
        <translation>附近车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/nearest_vehicles.py" line="37"/>
        <source>Vehicle</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/nearest_vehicles.py" line="37"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../app/views/nearest_vehicles.py" line="37"/>
        <source>Distance</source>
        <translation>距离</translation>
    </message>
    <message>
        <location filename="../../app/views/nearest_vehicles.py" line="38"/>
        <source>About</source>
        <translation>约需</translation>
    </message>
    <message>
        <location filename="../../app/views/nearest_vehicles.py" line="38"/>
        <source>Last fix</source>
        <translation>最后定位</translation>
    </message>
    <message>
        <location filename="../../app/views/nearest_vehicles.py" line="61"/>
        <source>Nearest vehicles: none online</source>
        <translation>附近车辆：无在线车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/nearest_vehicles.py" line="65"/>
        <source>%1 m</source>
        <translation>%1 米</translation>
    </message>
    <message>
        <location filename="../../app/views/nearest_vehicles.py" line="66"/>
        <source>%1 km</source>
        <translation>%1 公里</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/nearest_vehicles.py" line="69"/>
        <source>%n min</source>
        <translation>
            <numerusform>%n 分钟</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../app/views/nearest_vehicles.py" line="72"/>
        <source>At the typical city speed of this kind of vehicle; streets taken as 1.3 times the straight line</source>
        <translation>按该类车辆在城区的常见行驶速度估算；道路距离按直线距离的 1.3 倍计</translation>
    </message>
</context>
<context>
    <name>OfflineBanner</name>
    <message>
        <location filename="../../app/views/offline_banner.py" line="26"/>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="29"/>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="32"/>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="34"/>
        <source>%1 d %2 h</source>
        <translation>%1 天 %2 小时</translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="51"/>
        <source>Retry now</source>
        <translation>立即重试</translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="53"/>
        <source>Sign in again…</source>
        <translation>重新登录…</translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="98"/>
        <source>Sign in again</source>
        <translation>请重新登录</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/offline_banner.py" line="100"/>
        <source>The server refused your password (was it changed while this workstation was offline?). Your %n command(s) are kept here and go out once you sign in again.</source>
        <translation>
            <numerusform>服务器拒绝了您的密码（是否在本工作站离线期间被修改？）。您的 %n 条指令保存在本机，重新登录后即发送。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="102"/>
        <source>Sign-in failed: %1</source>
        <translation>登录失败：%1</translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="110"/>
        <source>Server error</source>
        <translation>服务器错误</translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="116"/>
        <source>Server unreachable for %1</source>
        <translation>服务器已断开 %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/offline_banner.py" line="118"/>
        <source>Since %1. The whole case loop keeps working on this workstation; %n command(s) wait and go out by themselves when the server is back.</source>
        <translation>
            <numerusform>自 %1 起。案卷全流程仍在本工作站正常运转；%n 条指令待发送，服务器恢复后自动发出。</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="122"/>
        <source>Next try in %1 s.</source>
        <translation>%1 秒后重试。</translation>
    </message>
    <message>
        <location filename="../../app/views/offline_banner.py" line="124"/>
        <source>Signed in offline: the server checks your password and commands when it is back.</source>
        <translation>当前为离线登录：服务器恢复后将核验您的密码和指令。</translation>
    </message>
</context>
<context>
    <name>OutboxLedger</name>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="45"/>
        <location filename="../../app/views/outbox_ledger.py" line="167"/>
        <source>Waiting</source>
        <translation>待发送</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="46"/>
        <location filename="../../app/views/outbox_ledger.py" line="168"/>
        <source>Accepted</source>
        <translation>已接受</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="47"/>
        <location filename="../../app/views/outbox_ledger.py" line="169"/>
        <source>Rejected</source>
        <translation>被拒绝</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="48"/>
        <source>Discard requested</source>
        <translation>已申请放弃</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="49"/>
        <location filename="../../app/views/outbox_ledger.py" line="170"/>
        <source>Discarded</source>
        <translation>已放弃</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="72"/>
        <source>Issued</source>
        <translation>发出时间</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="73"/>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="74"/>
        <source>Case</source>
        <translation>案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="75"/>
        <source>Operator</source>
        <translation>操作人</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="76"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="77"/>
        <source>Answer</source>
        <translation>服务器答复</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="152"/>
        <source>version %1</source>
        <translation>版本 %1</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="157"/>
        <source>withdrawn by this workstation</source>
        <translation>已由本工作站撤回</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="161"/>
        <source>(the discard came too late)</source>
        <translation>（放弃为时已晚）</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="166"/>
        <source>All</source>
        <translation>全部</translation>
    </message>
</context>
<context>
    <name>OutboxLedgerView</name>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="189"/>
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="190"/>
        <source>Discard…</source>
        <translation>放弃…</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="191"/>
        <source>Send now</source>
        <translation>立即发送</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="228"/>
        <source>Waiting %1 · accepted %2 · rejected %3 (open %4) · discarded %5</source>
        <translation>待发送 %1 · 已接受 %2 · 被拒绝 %3（未处理 %4）· 已放弃 %5</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="255"/>
        <source>discarded</source>
        <translation>放弃</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="255"/>
        <source>retried</source>
        <translation>重试</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="256"/>
        <source>acknowledged</source>
        <translation>知悉</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="257"/>
        <source>%1 %2 by %3 on %4</source>
        <translation>%1 由 %3 在 %4 %2</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="260"/>
        <source>: “%1”</source>
        <translation>：“%1”</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="262"/>
        <source>(not yet on the server)</source>
        <translation>（尚未上报服务器）</translation>
    </message>
    <message>
        <location filename="../../app/views/outbox_ledger.py" line="264"/>
        <source>No decisions recorded for this command.</source>
        <translation>此指令没有处理记录。</translation>
    </message>
</context>
<context>
    <name>QueueBar</name>
    <message>
        <location filename="../../app/views/queue_bar.py" line="54"/>
        <source>Search number, address or description…</source>
        <translation>搜索案卷编号、地址或问题描述…</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="58"/>
        <source>Open cases</source>
        <translation>在办案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="59"/>
        <source>All cases</source>
        <translation>全部案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="63"/>
        <source>All categories</source>
        <translation>全部类别</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="71"/>
        <source>All departments</source>
        <translation>全部部门</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="75"/>
        <source>All streets</source>
        <translation>全部街道</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="79"/>
        <source>All sources</source>
        <translation>全部来源</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="82"/>
        <source>Overdue</source>
        <translation>超期</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="83"/>
        <source>Mine</source>
        <translation>我的</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="85"/>
        <source>Cases I acted on last (a department: cases with my department)</source>
        <translation>最近一次由我处理的案卷（处置部门：本部门的案卷）</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="86"/>
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="90"/>
        <source>&lt;span style=&apos;background:#fff1c2&apos;&gt;&amp;nbsp;due within an hour&amp;nbsp;&lt;/span&gt; &lt;span style=&apos;background:#ffd0cc&apos;&gt;&amp;nbsp;overdue&amp;nbsp;&lt;/span&gt;</source>
        <translation>&lt;span style=&apos;background:#fff1c2&apos;&gt;&amp;nbsp;一小时内到期&amp;nbsp;&lt;/span&gt; &lt;span style=&apos;background:#ffd0cc&apos;&gt;&amp;nbsp;已超期&amp;nbsp;&lt;/span&gt;</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="132"/>
        <source>component</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="132"/>
        <source>event</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../app/views/queue_bar.py" line="163"/>
        <source>counting…</source>
        <translation>计数中…</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/queue_bar.py" line="165"/>
        <source>%n case(s)</source>
        <translation>
            <numerusform>%n 件</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <location filename="../../app/views/queue_bar.py" line="212"/>
        <source>Not possible: %1</source>
        <translation>无法执行：%1</translation>
    </message>
</context>
<context>
    <name>RegisterDialog</name>
    <message>
        <location filename="../../app/views/register_dialog.py" line="26"/>
        <source>Register case</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="28"/>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="29"/>
        <source>Component</source>
        <translation>部件</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="39"/>
        <source>What is wrong, where exactly</source>
        <translation>问题内容及具体位置</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="41"/>
        <source>Cell</source>
        <translation>网格</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="42"/>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="43"/>
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="44"/>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="45"/>
        <source>Description</source>
        <translation>问题描述</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="47"/>
        <source>Register</source>
        <translation>立案</translation>
    </message>
    <message>
        <location filename="../../app/views/register_dialog.py" line="48"/>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ReplayWindow</name>
    <message>
        <location filename="../../app/views/replay_panel.py" line="73"/>
        <source>Replay — district at any time</source>
        <translation>回放 — 任意时刻的全区态势</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="93"/>
        <source>Load</source>
        <translation>载入</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="96"/>
        <location filename="../../app/views/replay_panel.py" line="111"/>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="98"/>
        <source>to</source>
        <translation>至</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="109"/>
        <location filename="../../app/views/replay_panel.py" line="175"/>
        <source>Whole district</source>
        <translation>全区</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="111"/>
        <source>What</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="111"/>
        <source>To</source>
        <translation>到</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="112"/>
        <source>Detail</source>
        <translation>详情</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="122"/>
        <source>Vehicle</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="131"/>
        <location filename="../../app/views/replay_panel.py" line="259"/>
        <source>Play</source>
        <translation>播放</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="193"/>
        <source>The end must be after the start</source>
        <translation>结束时间必须晚于开始时间</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="196"/>
        <source>Replay at most one day at a time</source>
        <translation>一次最多回放一天</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="201"/>
        <source>Loading…</source>
        <translation>正在载入…</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="207"/>
        <source>Could not load: %1</source>
        <translation>无法载入：%1</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="218"/>
        <source>%1 fixes of %2 vehicles</source>
        <translation>%2 辆车的 %1 个定位点</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="253"/>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="313"/>
        <source>Stop</source>
        <translation>停留</translation>
    </message>
    <message numerus="yes">
        <location filename="../../app/views/replay_panel.py" line="314"/>
        <location filename="../../app/views/replay_panel.py" line="321"/>
        <source>%n min</source>
        <translation>
            <numerusform>%n 分钟</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="316"/>
        <source>Trip</source>
        <translation>行程</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="317"/>
        <source>%1 km, top %2 km/h</source>
        <translation>%1 公里，最高 %2 公里/小时</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="320"/>
        <source>No signal</source>
        <translation>无信号</translation>
    </message>
    <message>
        <location filename="../../app/views/replay_panel.py" line="329"/>
        <source>%1 fixes · %2 stops · %3 trips</source>
        <translation>%1 个定位点 · %2 次停留 · %3 段行程</translation>
    </message>
</context>
<context>
    <name>SyncHealthPanel</name>
    <message>
        <location filename="../../app/views/sync_health.py" line="51"/>
        <source>Last pull</source>
        <translation>上次拉取</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="52"/>
        <source>Last push</source>
        <translation>上次推送</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="53"/>
        <source>Change cursor</source>
        <translation>变更游标</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="54"/>
        <source>Position cursor</source>
        <translation>定位游标</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="55"/>
        <source>Queue depth</source>
        <translation>待发队列</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="56"/>
        <source>Server clock skew</source>
        <translation>与服务器时差</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="57"/>
        <source>Check integrity</source>
        <translation>完整性校验</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="59"/>
        <source>Not checked yet</source>
        <translation>尚未校验</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="62"/>
        <source>Table</source>
        <translation>数据表</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="62"/>
        <source>Rows here / server</source>
        <translation>行数 本机 / 服务器</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="63"/>
        <source>Checksum here / server</source>
        <translation>校验和 本机 / 服务器</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="63"/>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="77"/>
        <source>%1 (server not reached yet)</source>
        <translation>%1（尚未连上服务器）</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="79"/>
        <source>%1 of %2 (%3 behind)</source>
        <translation>%1 / %2（落后 %3）</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="82"/>
        <source>%1 waiting, %2 rejections open</source>
        <translation>%1 条待发送，%2 条拒绝未处理</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="88"/>
        <source>%1 s (round trip %2 ms)</source>
        <translation>%1 秒（往返 %2 毫秒）</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="95"/>
        <source>Checking…</source>
        <translation>正在校验…</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="103"/>
        <source>The check could not run: %1</source>
        <translation>无法校验：%1</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="109"/>
        <source>not comparable: %1 not replicated</source>
        <translation>无法比较：本机未同步 %1</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="111"/>
        <source>equal</source>
        <translation>一致</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="111"/>
        <source>DIFFERENT</source>
        <translation>不一致</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="120"/>
        <source>Not comparable: the server moved on during the check (server at %1, here at %2); run it again.</source>
        <translation>无法比较：校验期间服务器数据有更新（服务器 %1，本机 %2），请重新校验。</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="125"/>
        <source>This replica equals the server at change %1 (checked %2).</source>
        <translation>本机副本与服务器在变更 %1 处完全一致（校验时间 %2）。</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_health.py" line="129"/>
        <source>This replica differs from the server at change %1: see the tables marked DIFFERENT.</source>
        <translation>本机副本与服务器在变更 %1 处不一致：见标为“不一致”的数据表。</translation>
    </message>
</context>
<context>
    <name>SyncPanels</name>
    <message>
        <location filename="../../app/views/sync_panels.py" line="51"/>
        <source>Connection</source>
        <translation>连接</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_panels.py" line="71"/>
        <source>Conflicts</source>
        <translation>冲突</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_panels.py" line="74"/>
        <source>Outbox ledger</source>
        <translation>指令台账</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_panels.py" line="77"/>
        <source>Sync health</source>
        <translation>同步状态</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_panels.py" line="172"/>
        <location filename="../../app/views/sync_panels.py" line="175"/>
        <source>Cannot retry</source>
        <translation>无法重试</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_panels.py" line="184"/>
        <source>Discard command</source>
        <translation>放弃指令</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_panels.py" line="185"/>
        <source>Why is this command discarded? (recorded with your name)</source>
        <translation>为什么放弃此指令？（将连同您的姓名记录在案）</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_panels.py" line="189"/>
        <location filename="../../app/views/sync_panels.py" line="196"/>
        <source>Cannot discard</source>
        <translation>无法放弃</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_panels.py" line="190"/>
        <source>A reason is required: discarding is a recorded decision.</source>
        <translation>必须填写原因：放弃指令是需要记录在案的决定。</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_panels.py" line="206"/>
        <source>Cannot acknowledge</source>
        <translation>无法知悉</translation>
    </message>
    <message>
        <location filename="../../app/views/sync_panels.py" line="222"/>
        <source>The server refused your password.</source>
        <translation>服务器拒绝了您的密码。</translation>
    </message>
</context>
<context>
    <name>VehicleFeatures</name>
    <message>
        <source>Replay</source>
        <translation>轨迹回放</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="77"/>
        <location filename="../../app/views/vehicle_features.py" line="187"/>
        <source>Alarms</source>
        <translation>报警</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="78"/>
        <source>Vehicles</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="79"/>
        <source>Vehicles and alarms</source>
        <translation>车辆与报警</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="123"/>
        <source>Ve&amp;hicles</source>
        <translation>车辆(&amp;H)</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="124"/>
        <source>Replay…</source>
        <translation>回放…</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="129"/>
        <source>Acknowledge selected alarm…</source>
        <translation>确认所选报警…</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="134"/>
        <source>Show every approved route</source>
        <translation>显示全部核准路线</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="139"/>
        <source>Draw geofence…</source>
        <translation>绘制电子围栏…</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="144"/>
        <source>Geofence from the selected area…</source>
        <translation>用选中区域设电子围栏…</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="186"/>
        <source>Alarms (%1)</source>
        <translation>报警（%1）</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="303"/>
        <source>this workstation has no connection to the centre</source>
        <translation>本工作站未连接中心</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="323"/>
        <source>Geofence “%1” saved by the centre; it appears on the map with the next sync</source>
        <translation>中心已保存电子围栏“%1”；下次同步后显示在地图上</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="353"/>
        <source>last fix %1 ago</source>
        <translation>最后定位于 %1 前</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_features.py" line="419"/>
        <source>the centre did not answer: showing what this workstation kept</source>
        <translation>中心无响应：显示本工作站保存的数据</translation>
    </message>
</context>
<context>
    <name>VehicleListModel</name>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="117"/>
        <source>Plate</source>
        <translation>车牌</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="117"/>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="117"/>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="117"/>
        <source>Last fix</source>
        <translation>最后定位</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="118"/>
        <source>Heading</source>
        <translation>方向</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="118"/>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="118"/>
        <source>Alarm</source>
        <translation>报警</translation>
    </message>
</context>
<context>
    <name>VehicleTexts</name>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="32"/>
        <source>%1 s</source>
        <translation>%1 秒</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="34"/>
        <source>%1 min</source>
        <translation>%1 分钟</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="36"/>
        <source>%1 h %2 min</source>
        <translation>%1 小时 %2 分</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="38"/>
        <source>%1 d</source>
        <translation>%1 天</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="41"/>
        <source>%1 km/h</source>
        <translation>%1 公里/小时</translation>
    </message>
    <message>
        <source>Sweeper</source>
        <translation type="vanished">扫路车</translation>
    </message>
    <message>
        <source>Sprinkler</source>
        <translation type="vanished">洒水车</translation>
    </message>
    <message>
        <source>Muck truck</source>
        <translation type="vanished">渣土车</translation>
    </message>
    <message>
        <source>Patrol car</source>
        <translation type="vanished">巡查车</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="47"/>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="47"/>
        <source>Stale</source>
        <translation>信号滞后</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="47"/>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="50"/>
        <source>Critical alarm</source>
        <translation>紧急报警</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="50"/>
        <source>Alarm</source>
        <translation>报警</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="51"/>
        <source>Minor alarm</source>
        <translation>一般报警</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="55"/>
        <source>N</source>
        <translation>北</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="55"/>
        <source>NE</source>
        <translation>东北</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="55"/>
        <source>E</source>
        <translation>东</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="55"/>
        <source>SE</source>
        <translation>东南</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="55"/>
        <source>S</source>
        <translation>南</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="56"/>
        <source>SW</source>
        <translation>西南</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="56"/>
        <source>W</source>
        <translation>西</translation>
    </message>
    <message>
        <location filename="../../app/views/vehicle_list.py" line="56"/>
        <source>NW</source>
        <translation>西北</translation>
    </message>
</context>
<context>
    <name>_Legend</name>
    <message>
        <location filename="../../app/views/map_view.py" line="844"/>
        <source>Vehicles</source>
        <translation>车辆</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="845"/>
        <source>Sweeper</source>
        <translation>扫路车</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="845"/>
        <source>Sprinkler</source>
        <translation>洒水车</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="845"/>
        <source>Muck truck</source>
        <translation>渣土车</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="845"/>
        <source>Patrol</source>
        <translation>巡查车</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="847"/>
        <source>Stale / offline</source>
        <translation>信号滞后/离线</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="848"/>
        <source>Alarm</source>
        <translation>报警</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="849"/>
        <source>Cases</source>
        <translation>案卷</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="850"/>
        <source>On time</source>
        <translation>正常</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="850"/>
        <source>Due soon</source>
        <translation>即将超期</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="850"/>
        <source>Overdue</source>
        <translation>已超期</translation>
    </message>
</context>
<context>
    <name>_ScaleBar</name>
    <message>
        <location filename="../../app/views/map_view.py" line="944"/>
        <source>%1 km</source>
        <translation>%1 公里</translation>
    </message>
    <message>
        <location filename="../../app/views/map_view.py" line="946"/>
        <source>%1 m</source>
        <translation>%1 米</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <location filename="../../main.py" line="106"/>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <location filename="../../main.py" line="107"/>
        <source>The server cannot be reached. You are working on this workstation&apos;s local store; commands are sent when it is back.</source>
        <translation>无法连接服务器。您正在使用本工作站的本地数据，服务器恢复后指令将自动发送。</translation>
    </message>
    <message>
        <source>That point is not in any grid cell of the district</source>
        <translation type="obsolete">该位置不在本区任何单元网格内</translation>
    </message>
</context>
</TS>
